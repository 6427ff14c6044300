'use strict';
// Loads the pinned peer (ts-tracking-number) from bench/.peer, where
// compare.sh installs it; PEER_DIR overrides the location.
const path = require('path');

const peerDir = process.env.PEER_DIR || path.join(__dirname, '..', '.peer');

function loadPeer() {
  try {
    return require(path.join(peerDir, 'node_modules', 'ts-tracking-number'));
  } catch (err) {
    process.stderr.write(`cannot load ts-tracking-number from ${peerDir}: ${err.message}\n` +
      'run bench/compare.sh --install-peer-only (or npm ci in bench/.peer)\n');
    process.exit(2);
  }
}

// Output goes through one buffer flushed in large writes, as a Rust
// BufWriter would, so the comparison measures recognition, not syscalls.
// Waits for 'drain' so a slow reader cannot make memory grow.
function makeWriter() {
  const limit = 1 << 16;
  let parts = [];
  let size = 0;
  let pending = Promise.resolve();
  const flush = () => {
    if (parts.length === 0) return pending;
    const chunk = parts.join('');
    parts = [];
    size = 0;
    pending = pending.then(() => new Promise((resolve) => {
      if (process.stdout.write(chunk)) resolve();
      else process.stdout.once('drain', resolve);
    }));
    return pending;
  };
  const write = (s) => {
    parts.push(s);
    size += s.length;
    return size >= limit ? flush() : null;
  };
  return { write, flush };
}

module.exports = { loadPeer, makeWriter };
