import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as StreamValue,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Declaration, StreamDeclaration } from '../declaration';
import type { FunctionHost } from './functions';
import { reporter, type LogSink } from './logs';
import { readBatchResponse } from './pollers';

/**
 * Lambda's DynamoDB Streams event source, locally, on DynamoDB Local's Streams API: each
 * stream function reads its table's stream from LATEST (what is written once `start`
 * resolves), keeps only inserts under its sort key prefix (the CDK's filter), and hands
 * the function Lambda's event. A partial batch response retries the lowest failed record
 * and everything after it, in order, as Lambda does; a thrown error retries the batch.
 * After `retryAttempts` the batch is given up and logged (AWS sends it to an on-failure queue).
 */
export interface RunningStreamPollers {
  stop(): Promise<void>;
}

interface Shard {
  id: string;
  iterator: string | undefined;
  /** Records read but not yet handled successfully, oldest first. */
  pending: StreamRecord[];
  retries: number;
}

/** Lambda polls a shard four times a second; DynamoDB Local answers GetRecords at once, empty or not. */
const pollIntervalMs = 250;

export async function startStreamPollers(options: {
  declaration: Declaration;
  functions: FunctionHost;
  streams: DynamoDBStreamsClient;
  /** The table's stream ARN (DescribeTable's LatestStreamArn). */
  streamArn: (table: string) => string;
  region: string;
  log?: LogSink;
}): Promise<RunningStreamPollers> {
  const abort = new AbortController();
  const readers = Object.entries(options.declaration.functions).filter(
    (e): e is [string, StreamDeclaration] => e[1].kind === 'stream',
  );
  // Iterators are taken before `start` resolves, so nothing written after it is missed.
  const started = await Promise.all(readers.map(async ([name, declared]) => ({ name, declared, shards: await openShards(options.streamArn(declared.table)) })));
  const loops = started.map(({ name, declared, shards }) => poll(name, declared, shards));

  async function openShards(streamArn: string, known = new Set<string>(), from: 'LATEST' | 'TRIM_HORIZON' = 'LATEST'): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await options.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      for (const shard of StreamDescription?.Shards ?? []) {
        if (known.has(shard.ShardId!)) continue;
        known.add(shard.ShardId!);
        // At start only open shards matter; a shard found later is new and is read whole.
        if (from === 'LATEST' && shard.SequenceNumberRange?.EndingSequenceNumber) continue;
        const { ShardIterator } = await options.streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: from }),
        );
        shards.push({ id: shard.ShardId!, iterator: ShardIterator, pending: [], retries: 0 });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  async function poll(name: string, declared: StreamDeclaration, initial: Shard[]) {
    const streamArn = options.streamArn(declared.table);
    const table = options.declaration.resources.tables[declared.table]!;
    const report = reporter(`stream poller ${name}`, options.log);
    const known = new Set(initial.map((shard) => shard.id));
    let shards = initial;
    const wanted = (record: StreamRecord) =>
      record.eventName === 'INSERT' && (record.dynamodb?.Keys?.[table.sortKey]?.S ?? '').startsWith(declared.sortKeyPrefix);

    while (!abort.signal.aborted) {
      let busy = false;
      try {
        for (const shard of shards) {
          if (shard.pending.length === 0 && shard.iterator) {
            const got = await options.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }), { abortSignal: abort.signal });
            shard.iterator = got.NextShardIterator;
            shard.pending = (got.Records ?? []).filter(wanted);
          }
          if (shard.pending.length > 0) {
            busy = true;
            await handle(name, declared, streamArn, shard, report);
          }
        }
        // A closed shard (no next iterator) has children: read them from their start.
        if (shards.some((shard) => !shard.iterator && shard.pending.length === 0)) {
          shards = [...shards.filter((shard) => shard.iterator || shard.pending.length > 0), ...(await openShards(streamArn, known, 'TRIM_HORIZON'))];
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        report((error as Error).message);
      }
      if (!busy) await pause(pollIntervalMs, abort.signal);
    }
  }

  async function handle(name: string, declared: StreamDeclaration, streamArn: string, shard: Shard, report: (text: string) => void) {
    const batch = shard.pending.slice(0, declared.batchSize);
    const event: DynamoDBStreamEvent = { Records: batch.map((record) => toLambdaRecord(record, streamArn, options.region)) };
    const sequenceNumbers = batch.map((record) => record.dynamodb!.SequenceNumber!);
    let retryFrom: number | undefined;
    try {
      const verdict = readBatchResponse(await options.functions.invoke(name, event), sequenceNumbers);
      if ('invalid' in verdict) {
        report(`invalid partial batch response (${verdict.invalid}); the whole batch is retried`);
        retryFrom = 0;
      } else if (verdict.failed.size > 0) {
        retryFrom = sequenceNumbers.findIndex((sequenceNumber) => verdict.failed.has(sequenceNumber));
      }
    } catch {
      retryFrom = 0;
    }
    if (retryFrom === undefined) {
      shard.pending = shard.pending.slice(batch.length);
      shard.retries = 0;
      return;
    }
    // Done up to the failed record; it and what follows are retried, in order.
    shard.pending = shard.pending.slice(retryFrom);
    shard.retries += 1;
    if (shard.retries > declared.retryAttempts) {
      report(`gave up on ${batch.length - retryFrom} records after ${declared.retryAttempts} retries (sequence numbers from ${sequenceNumbers[retryFrom]})`);
      shard.pending = shard.pending.slice(batch.length - retryFrom);
      shard.retries = 0;
    } else {
      await pause(pollIntervalMs, abort.signal);
    }
  }

  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** A stream record as Lambda hands it over: epoch seconds for the time, binary values in base64, as on the wire. */
export function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const change = record.dynamodb!;
  return {
    eventID: record.eventID!,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: change.ApproximateCreationDateTime ? Math.floor(change.ApproximateCreationDateTime.getTime() / 1000) : Math.floor(Date.now() / 1000),
      Keys: wireImage(change.Keys),
      ...(change.NewImage ? { NewImage: wireImage(change.NewImage) } : {}),
      ...(change.OldImage ? { OldImage: wireImage(change.OldImage) } : {}),
      SequenceNumber: change.SequenceNumber!,
      SizeBytes: change.SizeBytes ?? 0,
      StreamViewType: change.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
}

function wireImage(image: Record<string, StreamValue> | undefined): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image ?? {}).map(([name, value]) => [name, wireValue(value)]));
}

function wireValue(value: StreamValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: wireImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(wireValue) };
  // The Streams client reads an empty map (`{"M":{}}` on the wire) as a value with no member at all.
  if (Object.values(value).every((member) => member === undefined)) return { M: {} };
  return value as AttributeValue;
}
