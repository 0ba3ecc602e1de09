/** Kysely table types. Ids are UUIDv7 strings (time-ordered, so `ORDER BY id DESC` is newest first). */
import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface UsersTable {
  id: string;
  email: string;
  /** Generated: `email` while the user is live, NULL once deleted; carries the unique index. */
  email_live: ColumnType<string | null, never, never>;
  password_hash: string;
  display_name: string;
  email_verified_at: NullableTimestamp;
  password_changed_at: NullableTimestamp;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface OneTimeTokensTable {
  jti: string;
  user_id: string;
  purpose: string;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface ConversationsTable {
  id: string;
  title: string;
  created_by: string;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface ConversationMembersTable {
  conversation_id: string;
  user_id: string;
  joined_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  author_id: string;
  body: string;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface AttachmentsTable {
  id: string;
  uploader_id: string;
  s3_key: string;
  size: number;
  content_type: string;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface MessageAttachmentsTable {
  message_id: string;
  attachment_id: string;
  position: Generated<number>;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  one_time_tokens: OneTimeTokensTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  messages: MessagesTable;
  attachments: AttachmentsTable;
  message_attachments: MessageAttachmentsTable;
}
