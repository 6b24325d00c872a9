import { defineConfig } from "vitest/config";

// The build ships inside the Python package (chirp/web_dist), served under /app/ by
// chirp/handlers/webapp.py. Hashed names let the server cache assets for a year; the build is
// deterministic (no timestamps), so .ci/run can compare it with what the sources make.
export default defineConfig({
  base: "/app/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "../chirp/web_dist",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8000", ws: true }, "/oauth": "http://127.0.0.1:8000" } },
  test: { environment: "node", include: ["test/**/*.test.ts"] },
});
