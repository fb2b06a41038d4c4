import { Injectable } from '@nestjs/common';

/** The one source of "now", injectable so that tests can move time (token expiry, backoff). */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
