// The reference tus server (@tus/server with @tus/file-store) behind an
// HTTPS server that requires a client certificate of the test CA, for
// interop.sh. Modules come from the npm cache tools/deps.sh fills.
//
//   node server.mjs NODE_MODULES DIR KEY CERT CA
//
// Prints "listening on 127.0.0.1:PORT" once it accepts connections; keeps
// uploads in DIR (so a restarted server still knows them).
import fs from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import path from 'node:path';

const [mods, dir, key, cert, ca] = process.argv.slice(2);
const require = createRequire(path.join(mods, 'x.js'));
const { Server } = require('@tus/server');
const { FileStore } = require('@tus/file-store');

const tus = new Server({ path: '/files', datastore: new FileStore({ directory: dir }) });
const server = https.createServer({
	key: fs.readFileSync(key),
	cert: fs.readFileSync(cert),
	ca: fs.readFileSync(ca),
	requestCert: true,
	rejectUnauthorized: true,
}, (req, res) => {
	const h = (n) => (req.headers[n] === undefined ? '' : ` ${n}=${req.headers[n]}`);
	console.error(`${req.method} ${req.url} from ${req.socket.getPeerCertificate().subject?.CN}` +
		h('upload-offset') + h('upload-length') + h('upload-defer-length'));
	tus.handle(req, res);
});
server.listen(0, '127.0.0.1', () => {
	console.log(`listening on 127.0.0.1:${server.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => server.close(() => process.exit(0)));
