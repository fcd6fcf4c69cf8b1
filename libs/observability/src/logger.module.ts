import { randomUUID } from 'node:crypto';
import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CORRELATION_ID_PATTERN, correlationMiddleware, currentCorrelationId } from './correlation.js';
import { REDACTED_LOG_PATHS, REDACTION_CENSOR } from './redaction.js';

export interface PrmLoggerOptions {
  /** pino level: `fatal` | `error` | `warn` | `info` | `debug` | `trace` | `silent`. */
  level: string;
  /** Service name stamped on every line (`gateway`, `monitor`, ...). */
  service: string;
}

/**
 * JSON logs (pino) for one service, with credential redaction and a correlation id per HTTP request
 * (`x-request-id` is honoured when a caller sends one, otherwise a UUID). Every line written inside a request or a
 * queue job bound with `runJobWithCorrelation` carries `correlationId` (pino `mixin` reading the async context).
 */
@Module({})
export class PrmLoggerModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(correlationMiddleware).forRoutes('*');
  }

  static forRoot(options: PrmLoggerOptions): DynamicModule {
    return {
      module: PrmLoggerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.level,
            base: { service: options.service },
            redact: { paths: REDACTED_LOG_PATHS, censor: REDACTION_CENSOR },
            // Request-scoped loggers already carry correlationId (customProps): added only where it is missing.
            mixin: (_merge, _level, logger) => {
              const correlationId = currentCorrelationId();
              if (correlationId === null || 'correlationId' in logger.bindings()) return {};
              return { correlationId };
            },
            customProps: (req) => ({ correlationId: (req as { id?: unknown }).id }),
            genReqId: (req, res) => {
              const given = req.headers['x-request-id'];
              const id = typeof given === 'string' && CORRELATION_ID_PATTERN.test(given) ? given : randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            autoLogging: { ignore: (req) => /^\/(health|metrics)(\/|\?|$)/.test(req.url ?? '') },
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
