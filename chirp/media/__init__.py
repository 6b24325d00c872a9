"""Media processing: sniffing, images (Pillow), GIFs and video (PyAV), blurhash, and the worker
processes that run it all away from the event loop. Nothing here knows about HTTP or storage."""
