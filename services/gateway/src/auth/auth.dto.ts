import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ROLES, type Role } from '@prm/observability';

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const USER_NAME_MESSAGE = 'must be 1-64 letters, digits, . _ @ - (starting with a letter or digit)';

/** `POST /api/auth/login`. */
export class LoginDto {
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username: string;

  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

/** `PUT /api/auth/password`: a built-in user changes their own password. */
export class ChangePasswordDto {
  @IsString()
  @MaxLength(1024)
  currentPassword: string;

  /** 12-72 bytes (checked by the service with a specific message). */
  @IsString()
  @MaxLength(1024)
  newPassword: string;
}

/** `POST /api/users`. */
export class CreateUserDto {
  @Matches(USER_NAME, { message: USER_NAME_MESSAGE })
  name: string;

  @IsIn(ROLES, { message: `must be one of ${ROLES.join(', ')}` })
  role: Role;

  @IsString()
  @MaxLength(1024)
  password: string;
}

/** `PATCH /api/users/:name`: any subset. */
export class UpdateUserDto {
  @IsOptional()
  @IsIn(ROLES, { message: `must be one of ${ROLES.join(', ')}` })
  role?: Role;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

/** `POST /api/tokens`. */
export class CreateTokenDto {
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._:@-]{0,63}$/, { message: 'must be 1-64 letters, digits, spaces, . _ : @ -' })
  name: string;

  @IsIn(ROLES, { message: `must be one of ${ROLES.join(', ')}` })
  role: Role;

  /** Lifetime in days, 1..365. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  expiresInDays: number;
}

export { USER_NAME };
