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
import { ecsService } from "./ecs.js";
import { ecrService } from "./ecr.js";
import { elbv2Service } from "./elbv2.js";
import { acmService } from "./acm.js";
import { route53Service } from "./route53.js";
import { cloudfrontService } from "./cloudfront.js";
import { wafv2Service } from "./wafv2.js";
import { cloudtrailService } from "./cloudtrail.js";
import { cloudwatchService } from "./cloudwatch.js";
import { servicediscoveryService } from "./servicediscovery.js";
import { lambdaService } from "./lambda.js";


/** Every simulated service. */
export function allServices(): SimService[] {
  return [ec2Service, logsService, iamService, secretsmanagerService, ssmService, stsService, kmsService, rdsService, elasticacheService, s3Service, ecsService, ecrService, elbv2Service, acmService, route53Service, cloudfrontService, wafv2Service, cloudtrailService, cloudwatchService, servicediscoveryService, lambdaService];
}
