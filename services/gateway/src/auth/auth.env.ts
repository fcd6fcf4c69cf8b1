import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

/** Authentication settings of the gateway (see README "Access control"). */
export class AuthEnv {
  /**
   * `builtin`: accounts in prm's metadata DB; `oidc`: a corporate identity provider; `alb`: behind an AWS ALB with
   * authenticate-oidc (verifies `x-amzn-oidc-data`). API tokens work in every mode.
   */
  @IsIn(['builtin', 'oidc', 'alb'], { message: 'must be builtin, oidc or alb' })
  PRM_AUTH_MODE: 'builtin' | 'oidc' | 'alb' = 'builtin';

  /** Name of the first admin account, created at start when it does not exist and PRM_ADMIN_PASSWORD is set. */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, { message: 'must be 1-64 letters, digits, . _ @ -' })
  PRM_ADMIN_USER = 'admin';

  /**
   * Password of the first admin (12-72 bytes); only used to create the account, never to change it (unless
   * PRM_ADMIN_PASSWORD_RESET).
   */
  @ValidateIf((o: AuthEnv) => o.PRM_ADMIN_PASSWORD !== undefined || o.PRM_ADMIN_PASSWORD_RESET === 'true')
  @IsDefined({ message: 'must be set when PRM_ADMIN_PASSWORD_RESET=true' })
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  @MaxLength(72, { message: 'must be at most 72 characters (bcrypt)' })
  PRM_ADMIN_PASSWORD?: string;

  /**
   * `true`: at start, an existing PRM_ADMIN_USER account gets PRM_ADMIN_PASSWORD, the admin role and is enabled; its
   * sessions end. Lockout recovery (and `make demo`, which always prints the password it sets). Set it for one
   * start, then remove it: while set, every restart resets the password.
   */
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  PRM_ADMIN_PASSWORD_RESET: 'true' | 'false' = 'false';

  /**
   * An admin API token for automation set up before anyone signs in (`prm_` + 43 base64url characters, e.g.
   * `node -e "console.log('prm_'+require('crypto').randomBytes(32).toString('base64url'))"`); stored hashed at start.
   */
  @IsOptional()
  @Matches(/^prm_[A-Za-z0-9_-]{43}$/, { message: "must be 'prm_' followed by 43 base64url characters" })
  PRM_BOOTSTRAP_API_TOKEN?: string;

  /**
   * Secure flag of the session cookies. `auto`: Secure unless the request came over plain HTTP to a loopback address
   * (a laptop; browsers do not store Secure cookies from http://127.0.0.1); `true`: always; `false`: never (a lab
   * reached over plain HTTP from other hosts only).
   */
  @IsIn(['auto', 'true', 'false'], { message: 'must be auto, true or false' })
  PRM_COOKIE_SECURE: 'auto' | 'true' | 'false' = 'auto';

  /** A session ends after this many seconds without a request. */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  PRM_SESSION_IDLE_SECONDS = 8 * 3600;

  /** A session ends this many seconds after sign-in, whatever the activity. */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  PRM_SESSION_MAX_SECONDS = 24 * 3600;

  /** Sign-in attempts allowed per client IP per minute (429 beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  PRM_LOGIN_ATTEMPTS_PER_MINUTE = 10;

  /**
   * Origins allowed to call the API from a browser on another origin, comma-separated (`https://console.example`);
   * empty (the default): same origin only, no CORS headers.
   */
  @Matches(/^$|^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(,https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)*$/, {
    message: 'must be a comma-separated list of origins like https://console.example.com',
  })
  PRM_CORS_ORIGINS = '';

  /** Group → role mapping for oidc and alb: `admin=dba-admins;operator=dba-oncall,sre;viewer=eng`. */
  @ValidateIf((o: AuthEnv) => o.PRM_AUTH_MODE !== 'builtin')
  @IsString()
  @MinLength(3, { message: 'is required for PRM_AUTH_MODE oidc and alb' })
  PRM_ROLE_GROUPS = '';

  /** The claim holding the user's groups (ID token, userinfo, or ALB claims). */
  @IsString()
  PRM_OIDC_GROUPS_CLAIM = 'groups';

  /** OIDC issuer URL (discovery at `<issuer>/.well-known/openid-configuration`). */
  @ValidateIf((o: AuthEnv) => o.PRM_AUTH_MODE === 'oidc')
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'must be the issuer URL (https://...)' })
  PRM_OIDC_ISSUER?: string;

  @ValidateIf((o: AuthEnv) => o.PRM_AUTH_MODE === 'oidc')
  @IsString({ message: 'is required for PRM_AUTH_MODE=oidc' })
  @MinLength(1)
  PRM_OIDC_CLIENT_ID?: string;

  /** Client secret (inject from Secrets Manager through the ECS task definition, never a file in the image). */
  @ValidateIf((o: AuthEnv) => o.PRM_AUTH_MODE === 'oidc')
  @IsString({ message: 'is required for PRM_AUTH_MODE=oidc' })
  @MinLength(1)
  PRM_OIDC_CLIENT_SECRET?: string;

  /** The console's callback URL registered at the IdP: `https://<console>/api/auth/oidc/callback`. */
  @ValidateIf((o: AuthEnv) => o.PRM_AUTH_MODE === 'oidc')
  @IsUrl(
    { require_tld: false, require_protocol: true },
    { message: 'must be https://<console>/api/auth/oidc/callback' },
  )
  PRM_OIDC_REDIRECT_URI?: string;

  /** `true` only for a loopback test IdP over plain HTTP. */
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  PRM_OIDC_ALLOW_HTTP = 'false';

  /** ARN of the ALB whose signature `x-amzn-oidc-data` must carry (the token's `signer`). */
  @ValidateIf((o: AuthEnv) => o.PRM_AUTH_MODE === 'alb')
  @Matches(/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/.+$/, {
    message: 'must be the ALB ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/...)',
  })
  PRM_ALB_ARN?: string;

  /** Where ALB public keys are fetched by key id; default `https://public-keys.auth.elb.<region>.amazonaws.com`. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  PRM_ALB_KEY_URL?: string;
}

/** The parsed CORS allow-list of `PRM_CORS_ORIGINS`. */
export function corsOrigins(env: Pick<AuthEnv, 'PRM_CORS_ORIGINS'>): string[] {
  return env.PRM_CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter((o) => ORIGIN.test(o));
}
