import { SNSClient } from '@aws-sdk/client-sns';
import { SnsSmsSender } from '../sms/sns-sms-sender.ts';
import { awsAdapters } from './adapters.ts';

/** Imported by the handlers of routes that send SMS (`sendsSms` in the route table). */
awsAdapters.smsSender = (region, senderId) => new SnsSmsSender(new SNSClient({ region }), senderId);
