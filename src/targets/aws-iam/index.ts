/** The AWS IAM target: the only code that talks to IAM (DESIGN.md §6). */
export { readObserved } from "./bulk-read.js";
export {
  type CallBudget,
  type CallCounter,
  type CallLogger,
  createCall,
  createCallCounter,
  type IamCall,
  unlimitedBudget,
} from "./call.js";
export { awsErrorCode, type ClassifyContext, classifyError, isCode, kindOf } from "./classify.js";
export { createIamClient } from "./client.js";
export type { DeleteGroupOptions, GroupOutcome } from "./groups.js";
export {
  groupCountProblem,
  groupNameProblem,
  MARKER_TAG_COUNT,
  MAX_GROUPS_PER_USER,
  MAX_TAGS_PER_USER,
  MAX_USERS_PER_ACCOUNT,
  type PasswordPolicy,
  passwordProblem,
  pathProblem,
  type TagRuleOptions,
  tagProblems,
  userNameProblem,
} from "./names.js";
export { carriesMarker, DISABLED_KEY_TAG_PREFIX, isToolTag, mappedTags, TOOL_TAG_PREFIX, tagValue } from "./tags.js";
export { AwsIamTarget, type AwsIamTargetDeps, type CallerIdentity, createAwsIamTarget } from "./target.js";
