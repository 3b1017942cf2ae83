import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { gcContextOf } from './growth-channel.capture.js';

const refIdParam = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined =>
  context.getType() === 'http' ? gcContextOf(context.switchToHttp().getRequest())?.refId : undefined,
);

/**
 * Injects the request's ref_id (from the query, else the one stored at landing), or `undefined`.
 * @example
 * ```ts
 * @Get('landing')
 * landing(@RefId() refId: string | undefined) {
 *   return { attributed: refId !== undefined };
 * }
 * ```
 */
export function RefId(): ParameterDecorator {
  return refIdParam();
}
