import { InvalidArgumentError } from '../errors.js';

/** A usage error: the message is complete and meant for the user (no internal argument name in front). */
export class UsageError extends InvalidArgumentError {
  constructor(argument: string, message: string) {
    super(argument, message);
    this.name = 'UsageError';
    this.message = message;
  }
}
