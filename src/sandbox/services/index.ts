import type { SimService } from "../types.js";
import { ec2Service } from "./ec2.js";
import { logsService } from "./logs.js";
import { iamService } from "./iam.js";
import { secretsmanagerService } from "./secretsmanager.js";
import { ssmService } from "./ssm.js";
import { stsService } from "./sts.js";
import { kmsService } from "./kms.js";
import { rdsService } from "./rds.js";
import { elasticacheService } from "./elasticache.js";
import { s3Service } from "./s3.js";

/** Every simulated service. */
export function allServices(): SimService[] {
  return [ec2Service, logsService, iamService, secretsmanagerService, ssmService, stsService, kmsService, rdsService, elasticacheService, s3Service];
}
