import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Authenticator } from './auth.js';
import { errorHandler, sendProblem } from './problem.js';
import { installInputGuard } from './input-guard.js';

// The HTTP shell: request ids, logging, body limits, authentication, error mapping and the
// OpenAPI document. Routes are registered by the composition root (src/app.ts) as plugins.

declare module 'fastify' {
  interface FastifyRequest {
    tenantId: string;
  }
  interface FastifyContextConfig {
    /** Routes that need no bearer token: health, the public QR scan, provider webhooks. */
    public?: boolean;
    /** What a 415 says the route takes, where its media types are too many to list one by one. */
    takes?: string;
  }
}

export interface HttpOptions {
  authenticator: Authenticator;
  bodyLimit: number;
  logger: FastifyServerOptions['logger'];
  version: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function makeHttpServer(opts: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger,
    bodyLimit: opts.bodyLimit,
    // Honour a caller's request id (tracing across services) when it is well-formed.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  installInputGuard(app);
  // Only JSON is taken unless a route says otherwise: a text/plain body on a JSON route is a
  // 415 naming what it takes (Fastify's default parser handed it on as a string, which then
  // failed validation as "expected object").
  app.removeContentTypeParser('text/plain');
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, { status: 404, code: 'not_found', detail: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );
  app.decorateRequest('tenantId', '');

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.routeOptions.config?.public || !request.routeOptions.url) return;
    if (request.url.startsWith('/docs')) return;
    request.tenantId = await opts.authenticator.authenticate(request.headers.authorization);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Campaign engine API',
        description:
          'Multi-channel outbound campaigns (calls, email, WhatsApp templates, QR-tracked letters). ' +
          'Every endpoint but health, the public QR scan and provider webhooks needs `Authorization: Bearer <JWT>`; ' +
          'errors are application/problem+json.',
        version: opts.version,
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    // Fills components.schemas with the schemas that carry a registry id; without it every
    // $ref the transform above writes points at nothing.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
