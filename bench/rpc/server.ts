/**
 * The far side of the RPC bench: a separate process running the echo and profile services on NATS.
 * argv: <nats url> <data dir>
 */
import { createProfileService } from '@talkbus/service-profile';
import { loadConfig, startNode, stopOnSignals } from '@talkbus/runtime';
import { echoService } from './echo-service.ts';

const [url, dataDir] = process.argv.slice(2);
const config = loadConfig({
  env: {},
  overrides: {
    nodeID: 'bench-server',
    transporter: url,
    dataDir,
    log: { level: 'warn', format: 'json' },
    services: ['profile', 'bench'],
  },
});
const node = await startNode(config, { profile: createProfileService, bench: () => echoService });
stopOnSignals(node);
process.stdout.write('ready\n');
