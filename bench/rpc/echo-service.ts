/**
 * The service the RPC bench calls: an echo (pure broker cost) beside the real profile service.
 */
import type { ServiceSchema } from 'moleculer';

export const echoService: ServiceSchema = {
  name: 'bench',
  actions: {
    echo: {
      params: { n: { type: 'number' }, text: { type: 'string', max: 1024 } },
      handler(ctx) {
        return ctx.params;
      },
    },
  },
};
