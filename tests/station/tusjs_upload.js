// Uploads one file to mt-station with npm's tus-js-client (unmodified), over
// mutual TLS, and prints the upload's URL. Run by station_tusjs.py.
//
//   node tusjs_upload.js ENDPOINT CA CERT KEY FILE KIND SEQ CHUNK DEFER
//
// DEFER=1 sends the file with Upload-Defer-Length (the length is sent
// with the last PATCH), in CHUNK-byte PATCHes.
"use strict";
const fs = require("fs");
const path = require("path");
const tus = require("tus-js-client");

const [endpoint, ca, cert, key, file, kind, seq, chunk, defer] = process.argv.slice(2);
const stack = new tus.DefaultHttpStack({
  ca: fs.readFileSync(ca),
  cert: fs.readFileSync(cert),
  key: fs.readFileSync(key),
});
const deferred = defer === "1";
// A Buffer, also for a deferred length: tus-js-client 4.3.1 streaming an
// fs.ReadStream with a deferred length sends the last PATCH with
// Content-Length of a whole chunk but fewer bytes, and no Upload-Length, so
// the request never ends (seen against mt-station; a client bug).
const input = fs.readFileSync(file);
const upload = new tus.Upload(input, {
  endpoint,
  httpStack: stack,
  chunkSize: Number(chunk),
  uploadLengthDeferred: deferred,
  retryDelays: null,
  metadata: { filename: path.basename(file), kind, seq },
  onError(err) {
    console.error("tus-js-client: " + err);
    process.exit(1);
  },
  onSuccess() {
    console.log(upload.url);
  },
});
upload.start();
