/** How a message leaves the platform. The outbox table is the queue; a transport only delivers. */
import nodemailer from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

export interface MailTransport {
  /** `local` keeps messages in the outbox for a developer to read; `smtp` hands them to a server. */
  readonly kind: 'local' | 'smtp';
  send(mail: OutgoingMail): Promise<void>;
  close?(): Promise<void>;
}

/** Default without SMTP: delivery is a no-op and the outbox page/API shows the message. */
export class LocalOutboxTransport implements MailTransport {
  readonly kind = 'local' as const;
  async send(): Promise<void> {}
}

export class SmtpTransport implements MailTransport {
  readonly kind = 'smtp' as const;
  private readonly transporter: nodemailer.Transporter;
  constructor(url: string) {
    this.transporter = nodemailer.createTransport(url);
  }
  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail(mail);
  }
  async close(): Promise<void> {
    this.transporter.close();
  }
}

export function transportFromConfig(smtpUrl: string | undefined): MailTransport {
  return smtpUrl ? new SmtpTransport(smtpUrl) : new LocalOutboxTransport();
}
