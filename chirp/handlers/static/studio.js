// Chirp's studio: go live from the browser. Previews the camera, creates the stream through the
// streams API, records WebM with MediaRecorder and sends each chunk over the ingest websocket;
// the relay transcodes it like an OBS feed. A dropped connection is retried within the
// relay's reconnect grace (the stream continues, marked as a discontinuity). Served with
// `script-src 'self'`; no server or user text is ever parsed as HTML (textContent only).
(() => {
  "use strict";

  const TIMESLICE_MS = 1000; // one chunk a second: the relay sees data as soon as it is encoded
  const POLL_MS = 3000;
  const RETRIES = 5;
  const QUALITY = {
    720: { width: 1280, height: 720, video: 2500000 },
    480: { width: 854, height: 480, video: 1200000 },
    360: { width: 640, height: 360, video: 800000 },
  };
  // The relay reads Matroska/WebM; Safari records MP4 only and is told to use an encoder.
  const TYPES = [
    "video/webm;codecs=vp8,opus",
    "video/webm;codecs=vp9,opus",
    "video/webm;codecs=h264,opus",
    "video/webm",
  ];

  const $ = (id) => document.getElementById(id);
  const ui = {
    who: $("who"), state: $("state"), viewers: $("viewers"), status: $("status"),
    preview: $("preview"), setup: $("setup"), title: $("title"), visibility: $("visibility"),
    camera: $("camera"), microphone: $("microphone"), quality: $("quality"), start: $("start"),
    stop: $("stop"), watchlink: $("watchlink"), watchurl: $("watchurl"), note: $("note"),
    health: $("health"), ingest: $("h-ingest"), fps: $("h-fps"), dropped: $("h-dropped"),
    speed: $("h-speed"), rungs: $("h-rungs"),
  };

  // The access token (`#access_token=…`, kept for this tab) and API calls: session.js.
  const { token, call } = window.chirpSession;

  function say(text) {
    ui.status.textContent = text;
    ui.status.hidden = !text;
  }

  function showState(state) {
    ui.state.textContent = state;
    ui.state.className = `state ${state}`;
  }

  // -- camera and microphone ------------------------------------------------------------------
  let media = null;

  async function openDevices() {
    const q = QUALITY[ui.quality.value];
    const video = { width: { ideal: q.width }, height: { ideal: q.height }, frameRate: { ideal: 30 } };
    const audio = { echoCancellation: true, noiseSuppression: true };
    if (ui.camera.value) video.deviceId = { exact: ui.camera.value };
    if (ui.microphone.value) audio.deviceId = { exact: ui.microphone.value };
    const next = await navigator.mediaDevices.getUserMedia({ video, audio });
    if (media) media.getTracks().forEach((t) => t.stop());
    media = next;
    ui.preview.srcObject = media;
    await listDevices();
  }

  async function listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    for (const [select, kind] of [[ui.camera, "videoinput"], [ui.microphone, "audioinput"]]) {
      const current = media && media.getTracks().find((t) => t.kind === kind.slice(0, 5));
      const chosen = current ? current.getSettings().deviceId : select.value;
      select.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => {
        const option = document.createElement("option");
        option.value = d.deviceId;
        option.textContent = d.label || `${kind === "videoinput" ? "Camera" : "Microphone"} ${i + 1}`;
        option.selected = d.deviceId === chosen;
        return option;
      }));
    }
  }

  // -- publishing -----------------------------------------------------------------------------
  let stream = null; // the API's Stream
  let socket = null;
  let recorder = null;
  let ending = false;
  let retries = 0;
  let poller = null;

  function ingestUrl() {
    const settings = media.getVideoTracks()[0].getSettings();
    const url = new URL("/api/v1/chirp/streams/ingest", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("access_token", token);
    if (settings.width && settings.height) {
      url.searchParams.set("width", String(settings.width));
      url.searchParams.set("height", String(settings.height));
    }
    return url.href;
  }

  function publish() {
    const type = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    socket = new WebSocket(ingestUrl());
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      // The relay's control messages are JSON text frames (decoded too if a proxy made them binary).
      const text = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data);
      let message = null;
      try { message = JSON.parse(text); } catch (e) { return; }
      if (message.event !== "ready") return;
      retries = 0;
      // A fresh recorder per connection: each starts with its own WebM header.
      recorder = new MediaRecorder(media, {
        mimeType: type,
        videoBitsPerSecond: QUALITY[ui.quality.value].video,
        audioBitsPerSecond: 128000,
      });
      recorder.ondataavailable = (chunk) => {
        if (chunk.data.size && socket && socket.readyState === WebSocket.OPEN) socket.send(chunk.data);
      };
      recorder.start(TIMESLICE_MS);
      say(stream.state === "live" ? "" : "Connected: the first segments are being encoded…");
    };
    socket.onclose = (event) => {
      if (recorder && recorder.state !== "inactive") recorder.stop();
      recorder = null;
      socket = null;
      if (ending) return;
      if (retries < RETRIES && event.code !== 1008) {
        retries += 1;
        say(`Connection lost: reconnecting (${retries}/${RETRIES})…`);
        setTimeout(publish, 1000 * retries);
      } else {
        say(`The stream stopped: ${event.reason || "the connection was closed"}.`);
        finish();
      }
    };
  }

  async function refresh() {
    try {
      stream = await call("GET", `/api/v1/chirp/streams/${stream.id}`);
    } catch (e) {
      return;
    }
    showState(stream.state);
    ui.viewers.hidden = stream.state !== "live";
    ui.viewers.textContent = `${stream.viewers_count} watching`;
    if (stream.state === "live" && ui.status.textContent.startsWith("Connected")) say("");
    if (stream.state === "ended" && !ending) {
      ending = true;
      if (socket) socket.close(1000, "ended");
      say("The stream has ended.");
      finish();
    }
  }

  async function start(event) {
    event.preventDefault();
    if (!media) return;
    ui.start.disabled = true;
    ui.note.textContent = "";
    try {
      stream = await call("POST", "/api/v1/chirp/streams", {
        title: ui.title.value.trim(),
        visibility: ui.visibility.value,
      });
    } catch (e) {
      ui.note.textContent = `Could not create the stream: ${e.message}`;
      ui.start.disabled = false;
      return;
    }
    ending = false;
    retries = 0;
    for (const field of ui.setup.elements) field.disabled = true;
    ui.stop.hidden = false;
    ui.watchurl.href = stream.watch_url;
    ui.watchurl.textContent = stream.watch_url;
    ui.watchlink.hidden = false;
    showState(stream.state);
    say("Connecting…");
    publish();
    watchHealth(stream.id);
    poller = setInterval(refresh, POLL_MS);
  }

  async function stop() {
    ending = true;
    ui.stop.disabled = true;
    if (recorder && recorder.state !== "inactive") recorder.stop();
    try {
      stream = await call("POST", `/api/v1/chirp/streams/${stream.id}/end`);
      showState(stream.state);
    } catch (e) {
      ui.note.textContent = `Could not end the stream: ${e.message}`;
    }
    if (socket) socket.close(1000, "ended");
    say("The stream has ended. Its replay stays available.");
    finish();
  }

  function finish() {
    clearInterval(poller);
    poller = null;
    ui.stop.hidden = true;
    ui.stop.disabled = false;
    ui.viewers.hidden = true;
    for (const field of ui.setup.elements) field.disabled = false;
    ui.start.disabled = !media;
  }

  // -- stream health, pushed by the relay over the streaming websocket -------------------------
  let healthSocket = null;
  let healthOf = null;

  function showHealth(report) {
    const dash = (value, unit = "") => (value === null || value === undefined ? "–" : `${value}${unit}`);
    ui.ingest.textContent = dash(report.ingest_kbps, " kbit/s");
    ui.fps.textContent = dash(report.frame_rate, " fps");
    ui.dropped.textContent = `${report.dropped_frames} dropped, ${report.duplicated_frames} duplicated`;
    ui.speed.textContent = dash(report.encoder_speed, "×");
    ui.rungs.replaceChildren(...report.rungs.map((rung) => {
      const row = document.createElement("tr");
      const slow = rung.speed !== null && rung.speed < 0.95;
      for (const text of [rung.name + (rung.passthrough ? " (copy)" : ""), dash(rung.speed, "×"), dash(rung.kbps, " kbit/s")]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      if (slow) row.className = "slow";
      return row;
    }));
    ui.health.hidden = false;
  }

  function watchHealth(id) {
    if (healthOf === id && healthSocket) return;
    if (healthSocket) healthSocket.close();
    healthOf = id;
    const streaming = document.getElementById("studio").dataset.streaming;
    healthSocket = new WebSocket(`${streaming}/api/v1/streaming`, [token]);
    healthSocket.addEventListener("open", () => {
      healthSocket.send(JSON.stringify({ type: "subscribe", stream: "chirp:live:health", id }));
    });
    healthSocket.addEventListener("message", (event) => {
      let frame = null;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.event === "stream.health") showHealth(JSON.parse(frame.payload));
      if (frame.event === "stream.ended") healthSocket.close();
    });
    healthSocket.addEventListener("close", () => {
      healthSocket = null;
      if (healthOf === id && stream && stream.state !== "ended") setTimeout(() => watchHealth(id), 3000);
    });
  }

  // A stream already live from an encoder (OBS): show its state and health here too.
  async function findLiveStream(me) {
    try {
      const live = await call("GET", "/api/v1/chirp/streams?limit=40");
      const own = live.find((s) => s.account.id === me.id);
      if (!own || stream) return;
      stream = own;
      showState(own.state);
      ui.watchurl.href = own.watch_url;
      ui.watchurl.textContent = own.watch_url;
      ui.watchlink.hidden = false;
      watchHealth(own.id);
      poller = poller || setInterval(refresh, POLL_MS);
    } catch (e) { /* nothing live */ }
  }

  // -- start-up -------------------------------------------------------------------------------
  async function main() {
    if (!token) {
      ui.who.textContent = "Not signed in";
      say("Open this page as /live/studio#access_token=… with a token that has the write scope.");
      return;
    }
    try {
      const me = await call("GET", "/api/v1/accounts/verify_credentials");
      ui.who.textContent = `@${me.acct}`;
      await findLiveStream(me);
    } catch (e) {
      ui.who.textContent = "Not signed in";
      say(`This token does not work: ${e.message}`);
      return;
    }
    if (!window.MediaRecorder || !navigator.mediaDevices || !TYPES.some((t) => MediaRecorder.isTypeSupported(t))) {
      say("This browser cannot record WebM: go live with an encoder such as OBS instead.");
      return;
    }
    try {
      await openDevices();
    } catch (e) {
      say(`No camera: ${e.message}`);
      return;
    }
    ui.start.disabled = false;
    for (const select of [ui.camera, ui.microphone, ui.quality]) {
      select.addEventListener("change", () => openDevices().catch((e) => say(`No camera: ${e.message}`)));
    }
    ui.setup.addEventListener("submit", start);
    ui.stop.addEventListener("click", stop);
  }

  window.chirpStudio = {
    state: () => ({ stream, recording: !!recorder, socket: !!socket, health: !ui.health.hidden }),
  };
  main();
})();
