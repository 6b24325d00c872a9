from tests.blobs.conftest import emulator, signing_info

__all__ = ["emulator", "signing_info"]
