"""Receiving uploads: the multipart body is read as a stream, straight to a temporary file, with
the size cap of the file's type checked as the bytes arrive (the type comes from the first
bytes). The app's `client_max_size` (a small JSON/form cap) does not apply to these routes:
they never call `request.post()`."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from chirp.config import Settings
from chirp.core import media
from chirp.core.errors import InvalidInput
from chirp.core.sniff import SNIFF_BYTES

CHUNK = 256 * 1024
FIELD_MAX = 16 * 1024  # description, focus: short text fields
FILE_FIELDS = ("file", "thumbnail")
FORM_FIELDS_MAX = 100  # text fields of a form with files (update_credentials has ~20)


async def _text(part: BodyPartReader) -> str:
    data = b""
    while chunk := await part.read_chunk(4096):
        data += chunk
        if len(data) > FIELD_MAX:
            raise InvalidInput(f"Validation failed: {part.name} is too long")
    return data.decode(part.get_charset("utf-8"), errors="replace")


async def _save(part: BodyPartReader, target: Path, settings: Settings) -> None:
    name = part.name or "file"
    head = b""
    limit: int | None = None
    size = 0
    with target.open("wb") as out:
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if limit is None:
                head += chunk
                if len(head) < SNIFF_BYTES:
                    continue
                limit = media.upload_limit(settings, head[:SNIFF_BYTES], field_name=name)
                chunk, head = head, b""
            if size > limit:
                raise media.too_large(settings, limit)
            await asyncio.to_thread(out.write, chunk)
        if limit is None:  # shorter than the sniffing window
            limit = media.upload_limit(settings, head, field_name=name)
            if size > limit:
                raise media.too_large(settings, limit)
            out.write(head)


async def receive_upload(request: web.Request, settings: Settings) -> media.Upload:
    """Stream a `multipart/form-data` media upload to disk. The caller hands the result to a
    use case, which owns (and removes) its directory from then on."""
    if request.content_type != "multipart/form-data":
        raise InvalidInput("Validation failed: send the file as multipart/form-data")
    biggest = max(settings.media_image_max_bytes, settings.media_video_max_bytes)
    if request.content_length is not None and request.content_length > 2 * biggest + FIELD_MAX:
        raise media.too_large(settings, biggest)
    upload = media.Upload(workdir=Path(tempfile.mkdtemp(prefix="chirp-upload-")))
    try:
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                raise InvalidInput("Validation failed: nested multipart bodies are not accepted")
            if part.name in FILE_FIELDS:
                if getattr(upload, part.name) is not None:
                    raise InvalidInput(f"Validation failed: more than one {part.name}")
                target = upload.workdir / part.name
                await _save(part, target, settings)
                setattr(upload, part.name, target)
            elif part.name in ("description", "focus"):
                setattr(upload, part.name, await _text(part))
            else:
                while await part.read_chunk(CHUNK):  # unknown fields: skipped, bounded
                    pass
        return upload
    # A malformed body; a broken part header surfaces as HttpProcessingError, not ValueError.
    except (ValueError, HttpProcessingError) as error:
        shutil.rmtree(upload.workdir, ignore_errors=True)
        raise InvalidInput(f"Validation failed: malformed multipart body ({error})") from None
    except BaseException:
        shutil.rmtree(upload.workdir, ignore_errors=True)
        raise


async def receive_form(
    request: web.Request, settings: Settings, file_fields: tuple[str, ...]
) -> tuple[list[tuple[str, str]], dict[str, Path], Path]:
    """A `multipart/form-data` form with image files among its fields (a profile's avatar and
    header): (text fields in order, files by field name, the directory they are in). The
    caller hands the directory to a use case, which removes it."""
    workdir = Path(tempfile.mkdtemp(prefix="chirp-upload-"))
    texts: list[tuple[str, str]] = []
    files: dict[str, Path] = {}
    try:
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                raise InvalidInput("Validation failed: nested multipart bodies are not accepted")
            name = part.name or ""
            if name in file_fields:
                if name in files:
                    raise InvalidInput(f"Validation failed: more than one {name}")
                files[name] = workdir / name
                await _save(part, files[name], settings)
            elif part.filename is not None:
                while await part.read_chunk(CHUNK):  # a file we do not take: skipped, bounded
                    pass
            else:
                if len(texts) >= FORM_FIELDS_MAX:
                    raise InvalidInput("Validation failed: too many form fields")
                texts.append((name, await _text(part)))
        return texts, files, workdir
    # A malformed body; a broken part header surfaces as HttpProcessingError, not ValueError.
    except (ValueError, HttpProcessingError) as error:
        shutil.rmtree(workdir, ignore_errors=True)
        raise InvalidInput(f"Validation failed: malformed multipart body ({error})") from None
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
