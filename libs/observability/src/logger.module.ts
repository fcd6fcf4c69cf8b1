import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { REDACTED_LOG_PATHS, REDACTION_CENSOR } from './redaction.js';

export interface PrmLoggerOptions {
  /** pino level: `fatal` | `error` | `warn` | `info` | `debug` | `trace` | `silent`. */
  level: string;
  /** Service name stamped on every line (`gateway`, `monitor`, ...). */
  service: string;
}

/**
 * JSON logs (pino) for one service, with credential redaction and a correlation id per HTTP request
 * (`x-request-id` is honoured when a caller sends one, otherwise a UUID).
 */
@Module({})
export class PrmLoggerModule {
  static forRoot(options: PrmLoggerOptions): DynamicModule {
    return {
      module: PrmLoggerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.level,
            base: { service: options.service },
            redact: { paths: REDACTED_LOG_PATHS, censor: REDACTION_CENSOR },
            genReqId: (req, res) => {
              const given = req.headers['x-request-id'];
              const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
            serializers: {
              req: (req: { id: unknown; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: req.url,
              }),
            },
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
