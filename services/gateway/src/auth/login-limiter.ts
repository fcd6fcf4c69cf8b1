import { HttpException, HttpStatus, Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Injection token of the limiter's settings. */
export const LOGIN_LIMITER_OPTIONS = Symbol('LOGIN_LIMITER_OPTIONS');

export interface LoginLimiterOptions {
  redisUrl: string;
  /** Key prefix (PRM_REDIS_PREFIX): counts are shared by every gateway instance of one installation. */
  prefix: string;
  /** Failed sign-ins allowed per client IP per minute (PRM_LOGIN_ATTEMPTS_PER_MINUTE). */
  attemptsPerMinute: number;
}

/**
 * Brute-force protection for password sign-in, with rate-limiter-flexible on Redis (shared across gateway
 * instances; an in-memory limiter stands in while Redis is unreachable): failed attempts per client IP per minute,
 * and failed attempts per account per 15 minutes (3x the IP budget, so one user cannot be locked out from a single
 * address, yet a password spray from many addresses is slowed). A successful sign-in clears the account's count.
 */
@Injectable()
export class LoginLimiter implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly byIp: RateLimiterRedis;
  private readonly byUser: RateLimiterRedis;

  constructor(@Inject(LOGIN_LIMITER_OPTIONS) options: LoginLimiterOptions) {
    this.redis = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    this.redis.on('error', () => undefined); // readiness reports Redis; the insurance limiter covers the gap
    const points = options.attemptsPerMinute;
    this.byIp = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `${options.prefix}:login-fail-ip`,
      points,
      duration: 60,
      insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
    });
    this.byUser = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `${options.prefix}:login-fail-user`,
      points: points * 3,
      duration: 15 * 60,
      insuranceLimiter: new RateLimiterMemory({ points: points * 3, duration: 15 * 60 }),
    });
  }

  /**
   * Refuses a sign-in attempt when the IP or the account has used its budget of failures.
   * @throws HttpException 429 "too many sign-in attempts ... retry in N s"
   */
  async assertAllowed(ip: string, user: string): Promise<void> {
    const [ipRes, userRes] = await Promise.all([this.byIp.get(ip), this.byUser.get(user)]);
    const blocked = [
      [ipRes, this.byIp.points, 'from your address'],
      [userRes, this.byUser.points, 'for this account'],
    ] as const;
    for (const [res, points, where] of blocked) {
      if (res && res.consumedPoints >= points) {
        const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw new HttpException(
          `too many sign-in attempts ${where}: retry in ${seconds} s`,
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
    }
  }

  /** Counts a failed attempt against the IP and the account. */
  async recordFailure(ip: string, user: string): Promise<void> {
    await Promise.all([this.byIp.consume(ip).catch(ignoreLimit), this.byUser.consume(user).catch(ignoreLimit)]);
  }

  /** Clears the account's failures after a successful sign-in. */
  async recordSuccess(user: string): Promise<void> {
    await this.byUser.delete(user).catch(() => undefined);
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

function ignoreLimit(err: unknown): void {
  if (!(err instanceof RateLimiterRes)) throw err;
}
