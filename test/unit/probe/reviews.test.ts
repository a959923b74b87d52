import { describe, expect, it } from 'vitest';
import { accessForPath, describeAccess, parseSelfSubjectAccessReview, parseSelfSubjectReview, selfSubjectAccessReviewBody } from '../../../src/probe/reviews.js';

describe('accessForPath', () => {
  it.each([
    ['/api/v1/namespaces/team-a/pods', 'list pods in team-a'],
    ['/api/v1/namespaces/team-a/pods?limit=1', 'list pods in team-a'],
    ['/api/v1/namespaces/team-a/pods/web', 'get pods web in team-a'],
    ['/api/v1/namespaces/team-a/pods/web/log', 'get pods/log web in team-a'],
    ['/apis/apps/v1/namespaces/team-a/deployments', 'list deployments.apps in team-a'],
    ['/api/v1/nodes', 'list nodes'],
    ['/api/v1/namespaces', 'list namespaces'],
    ['/api/v1/namespaces/team-a', 'get namespaces team-a'],
    ['/healthz', 'get /healthz'],
    ['/version', 'get /version'],
    ['/apis', 'get /apis'],
  ])('%s needs "%s"', (path, expected) => {
    expect(describeAccess(accessForPath(path))).toBe(expected);
  });

  it('builds the SelfSubjectAccessReview kubectl auth can-i sends', () => {
    expect(JSON.parse(selfSubjectAccessReviewBody(accessForPath('/api/v1/namespaces/team-a/pods')))).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'list', group: '', resource: 'pods', namespace: 'team-a' } },
    });
    expect(JSON.parse(selfSubjectAccessReviewBody(accessForPath('/healthz'))).spec).toEqual({ nonResourceAttributes: { path: '/healthz', verb: 'get' } });
  });
});

describe('parsing review answers', () => {
  it('reads the identity of a SelfSubjectReview', () => {
    const body = JSON.stringify({ status: { userInfo: { username: 'system:serviceaccount:a:b', groups: ['system:authenticated'] } } });
    expect(parseSelfSubjectReview(body)).toEqual({ username: 'system:serviceaccount:a:b', groups: ['system:authenticated'] });
  });

  it.each(['not json', '{}', '{"status":{}}'])('returns undefined for %j', (body) => {
    expect(parseSelfSubjectReview(body)).toBeUndefined();
  });

  it.each([
    [{ status: { allowed: true } }, { allowed: true, why: undefined }],
    [{ status: { allowed: false } }, { allowed: false, why: undefined }],
    [{ status: { allowed: false, reason: 'no RBAC policy matched', evaluationError: 'webhook down' } }, { allowed: false, why: 'no RBAC policy matched - webhook down' }],
  ])('reads an access review answer %j', (body, expected) => {
    expect(parseSelfSubjectAccessReview(JSON.stringify(body))).toEqual(expected);
  });
});
