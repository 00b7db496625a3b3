import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { serve } from './ipc.js';

// The upload ceiling: a plain Node HTTP server that streams each PUT body into a file on the
// same disk as the relay's uploads, with no protocol, auth or checksum.
const dir = mkdtempSync(join(tmpdir(), 'chat4all-bench-put-'));
let files = 0;
const http = createServer((request, response) => {
  pipeline(request, createWriteStream(join(dir, String(files++)))).then(
    () => response.writeHead(204).end(),
    () => response.writeHead(500).end(),
  );
});
http.listen(0, '127.0.0.1', () => {
  serve((http.address() as AddressInfo).port, async () => {
    http.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
