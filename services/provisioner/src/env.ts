import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** provisioner service settings (see README "Configuration"). */
export class ProvisionerEnv {
  /** HTTP port for `/health/*` when the service runs alone. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PRM_PORT = 8083;
}
