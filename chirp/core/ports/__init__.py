"""The ports the core owns: what it needs from the outside world, one file per aggregate.

Storage (`store.Store` composes the per-aggregate protocols; backends in `chirp/storage`), the
event bus (`bus`), blobs (`blobs`), media processing (`media_processing`) and the live-video relay
(`video`). Each file holds its protocol with the domain values and exceptions it uses; adapters
import from here, never the other way round.
"""
