/**
 * @talkbus/cli — the `talkbus` command. Its entry point is `bin/talkbus` (src/main.ts).
 */
export { main } from './main.ts';
export { serviceFactories } from './services.ts';
