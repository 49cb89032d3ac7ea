// Public API of the renderer: conditions, templates, request building, signatures, masking.
export type { Doc, RenderContext, RenderedRequest, WebhookSpec } from "./types";
export { ConditionError, ConditionSyntaxError, HelperError, RenderError, TemplateError } from "./errors";
export type { ConditionAst } from "./condition";
export { conditionSyntaxMessage, evaluateCondition, evaluateExpression, parseCondition } from "./condition";
export type { RenderTemplateOptions } from "./template";
export { checkTemplateSyntax, renderTemplate, templateSyntaxError, templateSyntaxMessage } from "./template";
export { buildRequest, dataMapping, prettyBody, toCurl } from "./request";
export type { VerifyResult } from "./signature";
export {
  frappeSignature,
  generateStandardSecret,
  standardSignature,
  standardWebhookHeaders,
  verifyFrappe,
  verifyStandard,
} from "./signature";
export { isSecretHeader, maskHeaders, maskSecretsInText, maskValue } from "./mask";
