/**
 * The baseline for bench/media: a minimal Node `dgram` RTP relay, run as its own process so its
 * CPU is measured apart from the driver. For each call it binds two sockets (leg A, leg B) and
 * forwards every datagram from one leg to the latched source address of the other. It prints
 * `READY <portA> <portB> …` once bound and exits on SIGTERM.
 */
import dgram from 'node:dgram';

const calls = Number(process.argv[2] ?? '1');
const ports: number[] = [];
const sockets: dgram.Socket[] = [];

async function bind(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  socket.setSendBufferSize(4 * 1024 * 1024);
  sockets.push(socket);
  return socket;
}

for (let call = 0; call < calls; call++) {
  const a = await bind();
  const b = await bind();
  const latched: { a?: [number, string]; b?: [number, string] } = {};
  a.on('message', (message, remote) => {
    latched.a = [remote.port, remote.address];
    if (latched.b) b.send(message, latched.b[0], latched.b[1]);
  });
  b.on('message', (message, remote) => {
    latched.b = [remote.port, remote.address];
    if (latched.a) a.send(message, latched.a[0], latched.a[1]);
  });
  ports.push(a.address().port, b.address().port);
}
process.stdout.write(`READY ${ports.join(' ')}\n`);
process.on('SIGTERM', () => {
  for (const socket of sockets) socket.close();
  process.exit(0);
});
