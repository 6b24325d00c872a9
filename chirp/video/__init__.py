"""Live video relay: RTMP and browser ingest, HLS transcoding, distribution through the blob store."""
