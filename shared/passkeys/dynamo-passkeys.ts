import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CommitOutcome } from '../codes/one-time-code.ts';
import type { DeviceRecord } from '../devices/device-records.ts';
import { type DeviceStore, MAX_ACTIVE_DEVICES } from '../devices/device-store.ts';
import { RETENTION_SECONDS } from '../devices/dynamo-challenges.ts';
import { type DomainEvent, outboxPut } from '../events/event.ts';
import {
  numberKey,
  verifiedNumberIn,
  verifiedNumberStill,
} from '../mobile-number/dynamo-mobile-number-store.ts';
import type { GuessBudget } from '../quota/guess-budget.ts';
import {
  conditionally,
  type DocumentClient,
  DynamoAdapter,
  type ItemKey,
  readItems,
  recordReader,
  type TxPart,
  tx,
} from '../storage/dynamo.ts';
import type { PasskeyCredentialRecord, PasskeyRegistrationRecord } from './model.ts';
import type { CompleteOutcome, OtpCommit, Passkeys, RegistrationCheck } from './ports.ts';

/**
 * Passkey items:
 * - PASSKEY_REGISTRATION#<id> / REGISTRATION   an enrollment: the OTP's HMAC, then the WebAuthn challenge (TTL)
 * - PASSKEY#<credential id> / CREDENTIAL       a bound credential: COSE key, sign counter; its key makes credential
 *                                              ids unique across persons (created only where none exists)
 */
const registrationKey = (id: string): ItemKey => ({ PK: `PASSKEY_REGISTRATION#${id}`, SK: 'REGISTRATION' });
const credentialKey = (credentialId: string): ItemKey => ({
  PK: `PASSKEY#${credentialId}`,
  SK: 'CREDENTIAL',
});

const toRegistration = recordReader<PasskeyRegistrationRecord>({
  id: true,
  deviceId: true,
  personId: true,
  name: true,
  userName: true,
  createdAt: true,
  expiresAtMs: true,
  attempts: true,
  otpHash: true,
  sentTo: true,
  otpConfirmedAt: true,
  webauthnChallenge: true,
  consumedAt: true,
});

const toCredential = recordReader<PasskeyCredentialRecord>({
  credentialId: true,
  deviceId: true,
  personId: true,
  keyId: true,
  publicKey: true,
  counter: true,
  createdAt: true,
});

/** The enrollment still awaits its OTP: not confirmed, not consumed, unexpired, attempts left. */
const awaitingOtp = (maxAttempts: number, now: Date) => ({
  ConditionExpression:
    'attribute_exists(PK) AND attribute_not_exists(otp_confirmed_at) AND attribute_not_exists(consumed_at) AND expires_at_ms > :now AND attempts < :max',
  ExpressionAttributeValues: { ':now': now.getTime(), ':max': maxAttempts },
});

export class DynamoPasskeys extends DynamoAdapter implements Passkeys {
  constructor(
    db: DocumentClient,
    tableName: string,
    private readonly devices: DeviceStore,
    private readonly budget: GuessBudget,
  ) {
    super(db, tableName);
  }

  async openRegistration(device: DeviceRecord, registration: PasskeyRegistrationRecord): Promise<void> {
    const ttl = Math.ceil(registration.expiresAtMs / 1000) + RETENTION_SECONDS;
    const failed = await tx(this.db, this.tableName)
      .add(this.devices.devices.putPending(device, undefined, ttl))
      .put(
        'registration',
        {
          ...registrationKey(registration.id),
          entity: 'passkey_registration',
          id: registration.id,
          device_id: registration.deviceId,
          person_id: registration.personId,
          name: registration.name,
          user_name: registration.userName,
          created_at: registration.createdAt,
          expires_at_ms: registration.expiresAtMs,
          attempts: 0,
          otp_hash: registration.otpHash,
          ...(registration.sentTo ? { sent_to: registration.sentTo } : {}),
          ttl,
        },
        { ConditionExpression: 'attribute_not_exists(PK)' },
      )
      .commit();
    if (failed.size > 0) throw new Error(`fresh ids already in use: ${[...failed].join(', ')}`);
  }

  getRegistration(id: string): Promise<PasskeyRegistrationRecord | undefined> {
    return this.readRecord(registrationKey(id), toRegistration);
  }

  async loadOtpCheck(id: string, personId: string): Promise<RegistrationCheck> {
    const [item, budgetItem, numberItem] = await readItems(this.db, this.tableName, [
      registrationKey(id),
      this.budget.key(personId),
      numberKey(personId),
    ]);
    const registration = item ? toRegistration(item) : undefined;
    return {
      registration,
      code: registration && {
        id: registration.id,
        boundTo: registration.deviceId,
        secret: registration.otpHash,
        expiresAtMs: registration.expiresAtMs,
        attempts: registration.attempts,
        used: Boolean(registration.otpConfirmedAt || registration.consumedAt),
        sentTo: registration.sentTo,
      },
      budget: this.budget.usesIn(budgetItem),
      verifiedNumber: verifiedNumberIn(numberItem),
      ...(registration ? { boundTo: registration.deviceId } : {}),
    };
  }

  async commitOtp(check: OtpCommit): Promise<CommitOutcome> {
    const { registration, now } = check;
    const condition = awaitingOtp(check.maxAttempts, now);
    const failed = await tx(this.db, this.tableName)
      .add(this.budget.charge(registration.personId, check.charge))
      .update('registration', {
        Key: registrationKey(registration.id),
        ...(check.answer === 'right'
          ? {
              UpdateExpression: 'SET otp_confirmed_at = :at, webauthn_challenge = :challenge',
              ExpressionAttributeValues: {
                ...condition.ExpressionAttributeValues,
                ':at': now.toISOString(),
                ':challenge': check.webauthnChallenge,
              },
            }
          : {
              UpdateExpression: 'SET attempts = attempts + :one',
              ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':one': 1 },
            }),
        ConditionExpression: condition.ConditionExpression,
      })
      .add(...verifiedNumberStill(this.tableName, registration.personId, check.verifiedNumber))
      .commit({ cancelledAs: 'budget' });
    if (failed.has('registration')) return 'code_changed';
    if (failed.has('number')) return 'factor_gone';
    if (failed.has('budget')) return 'budget_taken';
    return 'committed';
  }

  async completeRegistration(
    input: Parameters<Passkeys['completeRegistration']>[0],
  ): Promise<CompleteOutcome> {
    const { registration, key, credential, facts, event, now } = input;
    const device = {
      id: registration.deviceId,
      personId: registration.personId,
      createdAt: registration.createdAt,
    };
    const failed = await tx(this.db, this.tableName)
      .update('registration', {
        Key: registrationKey(registration.id),
        UpdateExpression: 'SET consumed_at = :now',
        ConditionExpression:
          'attribute_exists(otp_confirmed_at) AND attribute_not_exists(consumed_at) AND expires_at_ms > :ms',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':ms': now.getTime() },
      })
      .add(
        this.devices.devices.activate(device, key.keyPurpose, key.keyId, now, facts),
        this.devices.keys.put(key),
        this.credentialPut(credential),
        this.devices.counter.increment(registration.personId, MAX_ACTIVE_DEVICES),
        outboxPut(this.tableName, event, now),
      )
      .commit();
    if (failed.has('registration')) return 'used';
    if (failed.has('credential')) return 'credential_taken';
    if (failed.has('device') || failed.has('key')) return 'device_gone';
    if (failed.has('counter')) return 'too_many_devices';
    return 'ok';
  }

  private credentialPut(credential: PasskeyCredentialRecord): TxPart {
    return {
      name: 'credential',
      item: {
        Put: {
          TableName: this.tableName,
          Item: {
            ...credentialKey(credential.credentialId),
            entity: 'passkey_credential',
            credential_id: credential.credentialId,
            device_id: credential.deviceId,
            person_id: credential.personId,
            key_id: credential.keyId,
            public_key: credential.publicKey,
            counter: credential.counter,
            created_at: credential.createdAt,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    };
  }

  getCredential(credentialId: string): Promise<PasskeyCredentialRecord | undefined> {
    return this.readRecord(credentialKey(credentialId), toCredential);
  }

  async advanceCounter(credential: PasskeyCredentialRecord, counter: number, now: Date): Promise<boolean> {
    const written = await conditionally(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: credentialKey(credential.credentialId),
          UpdateExpression: 'SET #counter = :counter, used_at = :now',
          // An authenticator that keeps no counter reports 0 every time; one that does must move it forward.
          ConditionExpression:
            counter === 0
              ? 'attribute_exists(PK) AND #counter = :counter'
              : 'attribute_exists(PK) AND #counter < :counter',
          ExpressionAttributeNames: { '#counter': 'counter' },
          ExpressionAttributeValues: { ':counter': counter, ':now': now.toISOString() },
        }),
      ),
    );
    return written !== undefined;
  }

  async recordEvent(event: DomainEvent, now: Date): Promise<void> {
    await tx(this.db, this.tableName)
      .add(outboxPut(this.tableName, event, now))
      .commit();
  }
}
