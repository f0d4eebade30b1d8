import type { Access, Declaration, FunctionDeclaration } from '../../../../infra/declaration';
import { declaration as product } from '../../../../infra/functions';
import { actionsOn, environmentOf, logicalId, statementsOf, synthesize, type Synthesized } from '../../../support/synth';

/** One function per access mode, beside the product's own, so every mode is synthesized and nagged. */
const probe = (access: Access): FunctionDeclaration => ({
  kind: 'schedule',
  entry: 'tests/fixtures/functions/tick.ts',
  expression: 'rate(1 day)',
  access,
});
const probes = {
  tableRead: probe({ tables: { main: 'read' } }),
  tableWrite: probe({ tables: { main: 'write' } }),
  tableReadwrite: probe({ tables: { main: 'readwrite' } }),
  tableDescribe: probe({ tables: { main: 'describe' } }),
  queueSend: probe({ queues: { deliveries: 'send' } }),
  queueDescribe: probe({ queues: { deliveries: 'describe' } }),
  bucketRead: probe({ bucket: 'read' }),
  bucketWrite: probe({ bucket: 'write' }),
  bucketReadwrite: probe({ bucket: 'readwrite' }),
  bucketDescribe: probe({ bucket: 'describe' }),
  keyEncrypt: probe({ key: 'encrypt' }),
  keyDecrypt: probe({ key: 'decrypt' }),
  keyEncryptDecrypt: probe({ key: 'encrypt-decrypt' }),
  keyDescribe: probe({ key: 'describe' }),
  emailSend: probe({ email: 'send' }),
};
const declaration: Declaration = {
  ...product,
  functions: { ...product.functions, ...probes },
};

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesize(declaration);
});

const ids = () => {
  const { tables, queues, bucket, key } = synthesized.stack.resources;
  return { table: logicalId(tables.main!), queue: logicalId(queues.deliveries!), bucket: logicalId(bucket!), key: logicalId(key) };
};
/** The key the tables, queues and bucket are encrypted with: not the vault's. */
const storageKey = () => logicalId(synthesized.stack.resources.storageKey);

const tableReads = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem'];
const tableWrites = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const objectReads = ['s3:GetObject*'];
const objectWrites = ['s3:PutObject', 's3:DeleteObject*', 's3:Abort*'];
const keyWrites = ['kms:Encrypt', 'kms:GenerateDataKey*'];

describe.each([
  ['tableRead', 'table', [...tableReads], [...tableWrites]],
  ['tableWrite', 'table', [...tableWrites], [...tableReads]],
  ['tableReadwrite', 'table', [...tableReads, ...tableWrites], ['dynamodb:DeleteTable']],
  ['queueSend', 'queue', ['sqs:SendMessage'], ['sqs:ReceiveMessage', 'sqs:DeleteMessage']],
  ['bucketRead', 'bucket', [...objectReads], [...objectWrites]],
  ['bucketWrite', 'bucket', [...objectWrites, 's3:ListMultipartUploadParts'], [...objectReads]],
  ['bucketReadwrite', 'bucket', [...objectReads, ...objectWrites], ['s3:PutBucketPolicy']],
  ['keyEncrypt', 'key', [...keyWrites], ['kms:Decrypt']],
  ['keyDecrypt', 'key', ['kms:Decrypt'], ['kms:Encrypt']],
  ['keyEncryptDecrypt', 'key', [...keyWrites, 'kms:Decrypt'], ['kms:ScheduleKeyDeletion']],
] as const)('access %s', (name, resource, allowed, refused) => {
  it(`allows ${allowed.join(', ')} on the ${resource}`, () => {
    expect(actionsOn(synthesized, name, ids()[resource])).toEqual(expect.arrayContaining([...allowed]));
  });

  it(`refuses ${refused.join(', ')} on the ${resource}`, () => {
    const actions = actionsOn(synthesized, name, ids()[resource]);
    expect(refused.filter((action) => actions.includes(action))).toEqual([]);
  });
});

describe('describe access', () => {
  it.each([
    ['tableDescribe', 'table', 'dynamodb:DescribeTable'],
    ['queueDescribe', 'queue', 'sqs:GetQueueAttributes'],
    ['bucketDescribe', 'bucket', 's3:ListBucket'],
    ['keyDescribe', 'key', 'kms:DescribeKey'],
  ] as const)('lets %s do nothing but %s the %s itself', (name, resource, action) => {
    const touching = statementsOf(synthesized, name).filter((s) => !/^(xray|logs):/.test(`${s.Action}`));
    expect(touching).toEqual([
      expect.objectContaining({ Action: action, Effect: 'Allow', Resource: { 'Fn::GetAtt': [ids()[resource], 'Arn'] } }),
    ]);
  });
});

describe('implied key grants', () => {
  it('lets a function that writes an encrypted table or queue, or puts objects, encrypt with the storage key', () => {
    for (const name of ['tableWrite', 'queueSend', 'bucketWrite']) {
      expect([name, actionsOn(synthesized, name, storageKey())]).toEqual([name, expect.arrayContaining(keyWrites)]);
    }
  });

  it('lets a function that reads an encrypted table or objects decrypt with the storage key', () => {
    for (const name of ['tableRead', 'bucketRead']) {
      expect([name, actionsOn(synthesized, name, storageKey())]).toEqual([name, expect.arrayContaining(['kms:Decrypt'])]);
    }
  });

  it('lets a function that completes SSE-KMS multipart uploads decrypt with the storage key', () => {
    expect(actionsOn(synthesized, 'bucketWrite', storageKey())).toContain('kms:Decrypt');
  });

  it('grants no key action for describe access', () => {
    for (const name of ['tableDescribe', 'queueDescribe', 'bucketDescribe']) {
      expect([name, actionsOn(synthesized, name, storageKey())]).toEqual([name, []]);
      expect([name, actionsOn(synthesized, name, ids().key)]).toEqual([name, []]);
    }
  });

  it('gives declared key access on the vault\'s key only, never on the storage key', () => {
    for (const name of ['keyEncrypt', 'keyDecrypt', 'keyEncryptDecrypt', 'keyDescribe']) {
      expect([name, actionsOn(synthesized, name, storageKey())]).toEqual([name, []]);
    }
  });
});

describe('email access', () => {
  const sesStatements = (name: string) => statementsOf(synthesized, name).filter((s) => `${s.Action}`.startsWith('ses:'));

  it('lets a function that declares it send email through SES, and do nothing else with SES', () => {
    expect(sesStatements('emailSend')).toEqual([
      expect.objectContaining({
        Action: 'ses:SendEmail',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/*']] },
      }),
    ]);
  });

  it('is granted to no function that does not declare it', () => {
    const undeclared = Object.entries(declaration.functions).filter(([, declared]) => !declared.access.email);
    expect(undeclared.filter(([name]) => sesStatements(name).length > 0).map(([name]) => name)).toEqual([]);
  });
});

/** What each declared key mode may do with the vault's key, and nothing more. */
const vaultActions: Record<NonNullable<Access['key']>, string[]> = {
  encrypt: ['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
  decrypt: ['kms:Decrypt'],
  'encrypt-decrypt': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
  describe: ['kms:DescribeKey'],
};

describe('the vault\'s key', () => {
  const vaultKey = () => logicalId(synthesized.stack.resources.key);
  const functionRoles = () =>
    Object.fromEntries(Object.entries(synthesized.stack.functions).map(([name, fn]) => [logicalId(fn.role!), name]));

  it('is a different key from the one that encrypts the tables, queues and bucket', () => {
    expect(vaultKey()).not.toEqual(storageKey());
  });

  it('can be used by no function without declared key access', () => {
    const undeclared = Object.entries(declaration.functions).filter(([, declared]) => !declared.access.key);
    expect(undeclared.map(([name]) => name)).toEqual(
      expect.arrayContaining(['authorizer', 'listConnections', 'tableRead', 'tableReadwrite', 'queueSend', 'bucketReadwrite']),
    );
    for (const [name] of undeclared) {
      expect([name, actionsOn(synthesized, name, vaultKey())]).toEqual([name, []]);
    }
  });

  it('appears in no policy of the template but those of functions that declare key access', () => {
    const roles = functionRoles();
    const granted = Object.values(synthesized.resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(`"${vaultKey()}"`))
      .flatMap((policy) => policy.Properties.Roles.map((ref: { Ref: string }) => roles[ref.Ref] ?? ref.Ref));
    const declaring = Object.entries(declaration.functions).filter(([, d]) => d.access.key).map(([name]) => name);
    expect(new Set(granted)).toEqual(new Set(declaring));
  });

  it('can be used by each function that declares key access, exactly as it declares', () => {
    const declaring = Object.entries(declaration.functions).filter(([, d]) => d.access.key);
    expect(declaring.map(([name]) => name)).toEqual(
      expect.arrayContaining(['createConnection', 'deleteConnection', 'refreshExpiringTokens', 'health', 'keyEncrypt']),
    );
    for (const [name, declared] of declaring) {
      const actions = [...new Set(actionsOn(synthesized, name, vaultKey()))].sort();
      expect([name, actions]).toEqual([name, vaultActions[declared.access.key!]]);
    }
  });

  it('is the key each function that declares key access finds in KEY_ARN', () => {
    for (const [name, declared] of Object.entries(declaration.functions)) {
      if (!declared.access.key) continue;
      expect([name, environmentOf(synthesized, name).KEY_ARN]).toEqual([name, { 'Fn::GetAtt': [vaultKey(), 'Arn'] }]);
    }
  });
});

describe('environment', () => {
  it.each([
    ['tableDescribe', 'MAIN_TABLE_NAME', 'table', 'Ref'],
    ['queueDescribe', 'DELIVERIES_QUEUE_URL', 'queue', 'Ref'],
    ['bucketDescribe', 'UPLOADS_BUCKET_NAME', 'bucket', 'Ref'],
    ['keyDescribe', 'KEY_ARN', 'key', 'Arn'],
  ] as const)('gives %s exactly %s for its %s', (name, variable, resource, attribute) => {
    const { POWERTOOLS_SERVICE_NAME, NODE_OPTIONS, ...declared } = environmentOf(synthesized, name);
    const value = attribute === 'Ref' ? { Ref: ids()[resource] } : { 'Fn::GetAtt': [ids()[resource], 'Arn'] };
    expect(declared).toEqual({ [variable]: value });
  });
});

it('leaves no cdk-nag AwsSolutions finding unacknowledged for any access mode', () => {
  expect(synthesized.nagFindings).toEqual([]);
});

it('refuses access to a table the declaration does not have', () => {
  const typo: Declaration = { ...product, functions: { ...product.functions, typo: probe({ tables: { mian: 'read' } }) } };
  expect(() => synthesize(typo)).toThrow(/the table "mian", which is not declared/);
});
