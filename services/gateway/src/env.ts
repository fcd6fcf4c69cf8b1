import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';

/** Gateway settings (see README "Configuration"). */
export class GatewayEnv {
  /** HTTP port of the API, the console and the WebSocket. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PRM_PORT = 8080;

  /** Listen address: 0.0.0.0 in a container, 127.0.0.1 on a laptop. */
  @Matches(/^[\d.:a-fA-F]+$/, { message: 'must be an IP address' })
  PRM_HOST = '0.0.0.0';

  /** Directory of the built console (index.html); relative paths resolve from the working directory. */
  @IsString()
  PRM_CONSOLE_DIR = 'dist/console/browser';

  /** Largest accepted request body, bytes. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  PRM_MAX_BODY_BYTES = 1_048_576;

  /**
   * `true`: Bull Board (queue inspection, retry, delete) at `/admin/queues`, for signed-in admins only.
   */
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  PRM_BULL_BOARD = 'false';

  /** Proxies in front of the gateway (1 behind an ALB), so the client IP comes from X-Forwarded-For. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(5)
  PRM_TRUST_PROXY_HOPS = 0;
}
