"""Realtime push: which events go to which topics (`push`), and the node-local hub that hands
them to websockets and SSE streams (`hub`). The wire protocol lives in `handlers.streaming`."""
