/**
 * Schema migrations, kept in code (not files) so the built image needs no migration folder. Every
 * user-owned table has `deleted_at` (API-04). MySQL has no partial index, so live-e-mail uniqueness
 * uses a stored generated column that is NULL for deleted users, with a unique index on it (NULLs
 * never collide in a unique index).
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from "kysely";

const id = "char(36) character set ascii collate ascii_bin";

const migrations: Record<string, Migration> = {
  "0001_initial": {
    async up(db: Kysely<unknown>) {
      await sql`create table users (
        id ${sql.raw(id)} not null primary key,
        email varchar(254) character set utf8mb4 collate utf8mb4_bin not null,
        email_live varchar(254) character set utf8mb4 collate utf8mb4_bin generated always as (if(deleted_at is null, email, null)) stored,
        password_hash varchar(255) character set ascii not null,
        display_name varchar(100) character set utf8mb4 not null,
        email_verified_at datetime(3) null,
        password_changed_at datetime(3) null,
        created_at datetime(3) not null default current_timestamp(3),
        deleted_at datetime(3) null,
        unique key users_email_live_uq (email_live),
        key users_email_idx (email)
      ) engine=InnoDB default charset=utf8mb4`.execute(db);
      await sql`create table sessions (
        id ${sql.raw(id)} not null primary key,
        user_id ${sql.raw(id)} not null,
        created_at datetime(3) not null,
        last_seen_at datetime(3) not null,
        expires_at datetime(3) not null,
        deleted_at datetime(3) null,
        key sessions_user_idx (user_id, deleted_at),
        constraint sessions_user_fk foreign key (user_id) references users (id)
      ) engine=InnoDB default charset=utf8mb4`.execute(db);
      await sql`create table one_time_tokens (
        jti ${sql.raw(id)} not null primary key,
        user_id ${sql.raw(id)} not null,
        purpose varchar(32) character set ascii not null,
        expires_at datetime(3) not null,
        consumed_at datetime(3) null,
        created_at datetime(3) not null,
        key one_time_tokens_user_idx (user_id),
        constraint one_time_tokens_user_fk foreign key (user_id) references users (id)
      ) engine=InnoDB default charset=utf8mb4`.execute(db);
      await sql`create table conversations (
        id ${sql.raw(id)} not null primary key,
        title varchar(200) character set utf8mb4 not null,
        created_by ${sql.raw(id)} not null,
        created_at datetime(3) not null,
        deleted_at datetime(3) null,
        constraint conversations_creator_fk foreign key (created_by) references users (id)
      ) engine=InnoDB default charset=utf8mb4`.execute(db);
      await sql`create table conversation_members (
        conversation_id ${sql.raw(id)} not null,
        user_id ${sql.raw(id)} not null,
        joined_at datetime(3) not null,
        deleted_at datetime(3) null,
        primary key (conversation_id, user_id),
        key conversation_members_user_idx (user_id, conversation_id),
        constraint conversation_members_conversation_fk foreign key (conversation_id) references conversations (id),
        constraint conversation_members_user_fk foreign key (user_id) references users (id)
      ) engine=InnoDB default charset=utf8mb4`.execute(db);
      await sql`create table messages (
        id ${sql.raw(id)} not null primary key,
        conversation_id ${sql.raw(id)} not null,
        author_id ${sql.raw(id)} not null,
        body text character set utf8mb4 not null,
        created_at datetime(3) not null,
        deleted_at datetime(3) null,
        key messages_conversation_idx (conversation_id, id),
        constraint messages_conversation_fk foreign key (conversation_id) references conversations (id),
        constraint messages_author_fk foreign key (author_id) references users (id)
      ) engine=InnoDB default charset=utf8mb4`.execute(db);
      await sql`create table attachments (
        id ${sql.raw(id)} not null primary key,
        uploader_id ${sql.raw(id)} not null,
        s3_key varchar(255) character set ascii not null,
        size bigint unsigned not null,
        content_type varchar(100) character set ascii not null,
        created_at datetime(3) not null,
        deleted_at datetime(3) null,
        key attachments_uploader_idx (uploader_id),
        constraint attachments_uploader_fk foreign key (uploader_id) references users (id)
      ) engine=InnoDB default charset=utf8mb4`.execute(db);
      await sql`create table message_attachments (
        message_id ${sql.raw(id)} not null,
        attachment_id ${sql.raw(id)} not null,
        position int not null auto_increment,
        primary key (message_id, attachment_id),
        unique key message_attachments_attachment_uq (attachment_id),
        key message_attachments_position_idx (position),
        constraint message_attachments_message_fk foreign key (message_id) references messages (id),
        constraint message_attachments_attachment_fk foreign key (attachment_id) references attachments (id)
      ) engine=InnoDB default charset=utf8mb4`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      for (const t of ["message_attachments", "attachments", "messages", "conversation_members", "conversations", "one_time_tokens", "sessions", "users"]) {
        await sql`drop table if exists ${sql.table(t)}`.execute(db);
      }
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies every pending migration; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return result;
}
