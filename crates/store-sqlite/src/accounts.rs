//! Users, API tokens and shipment ownership (`migrations/20250101000003_users.sql`).

use jiff::Timestamp;
use posylka_core::account::{
    ArchiveFilter, NewApiToken, NewUser, OwnedShipment, ShipmentAccess, ShipmentFilter, TokenHash,
    User, UserCredentials, UserId, UserName,
};
use posylka_core::shipment::ShipmentId;
use posylka_core::store::StoreError;
use posylka_core::store::rows;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{QueryBuilder, Sqlite};

use crate::{SqliteStore, Which, backend, get, load_shipments};

fn user_row(row: &SqliteRow) -> Result<User, StoreError> {
    let name: String = get(row, 1)?;
    rows::user(get(row, 0)?, &name, get(row, 2)?)
}

/// Records the owner of a shipment being created, inside the creating transaction.
pub(crate) async fn set_owner(
    conn: &mut SqliteConnection,
    id: ShipmentId,
    owner: Option<UserId>,
) -> Result<(), StoreError> {
    let Some(owner) = owner else { return Ok(()) };
    sqlx::query("INSERT INTO shipment_access (shipment_id, owner_id) VALUES (?, ?)")
        .bind(id.get())
        .bind(owner.get())
        .execute(&mut *conn)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::UserNotFound(owner)
            }
            _ => backend(e),
        })?;
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn create_user_impl(&self, new: &NewUser) -> Result<UserId, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO users (name, password_hash, created_at_us) VALUES (?, ?, ?) \
             ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(new.name.as_str())
        .bind(new.password_hash.as_deref())
        .bind(new.created_at.as_microsecond())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some(row) = row else {
            return Err(StoreError::UserExists(new.name.clone()));
        };
        let id: i64 = get(&row, 0)?;
        tx.commit().await.map_err(backend)?;
        rows::user_id("users.id", id)
    }

    pub(crate) async fn user_by_name_impl(
        &self,
        name: &UserName,
    ) -> Result<Option<UserCredentials>, StoreError> {
        let row =
            sqlx::query("SELECT id, name, created_at_us, password_hash FROM users WHERE name = ?")
                .bind(name.as_str())
                .fetch_optional(self.pool())
                .await
                .map_err(backend)?;
        row.map(|row| {
            Ok(UserCredentials {
                user: user_row(&row)?,
                password_hash: get(&row, 3)?,
            })
        })
        .transpose()
    }

    pub(crate) async fn create_api_token_impl(
        &self,
        token: &NewApiToken,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let known = sqlx::query("SELECT 1 FROM users WHERE id = ?")
            .bind(token.user.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if known.is_none() {
            return Err(StoreError::UserNotFound(token.user));
        }
        sqlx::query(
            "INSERT INTO api_tokens (token_sha256, user_id, label, created_at_us) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(&token.hash.0[..])
        .bind(token.user.get())
        .bind(token.label.as_str())
        .bind(token.created_at.as_microsecond())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    pub(crate) async fn user_by_token_impl(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.created_at_us FROM api_tokens t \
             JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = ?",
        )
        .bind(&hash.0[..])
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?;
        row.map(|row| user_row(&row)).transpose()
    }

    pub(crate) async fn shipment_access_impl(
        &self,
        id: ShipmentId,
    ) -> Result<Option<ShipmentAccess>, StoreError> {
        let row = sqlx::query(
            "SELECT a.owner_id, a.archived_at_us FROM shipments s \
             LEFT JOIN shipment_access a ON a.shipment_id = s.id WHERE s.id = ?",
        )
        .bind(id.get())
        .fetch_optional(self.pool())
        .await
        .map_err(backend)?;
        row.map(|row| access_row(&row, 0)).transpose()
    }

    pub(crate) async fn set_archived_impl(
        &self,
        id: ShipmentId,
        archived_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT 1 FROM shipments WHERE id = ?")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if exists.is_none() {
            return Err(StoreError::ShipmentNotFound(id));
        }
        sqlx::query(
            "INSERT INTO shipment_access (shipment_id, archived_at_us) VALUES (?, ?) \
             ON CONFLICT (shipment_id) DO UPDATE SET archived_at_us = excluded.archived_at_us",
        )
        .bind(id.get())
        .bind(archived_at.map(|t| t.as_microsecond()))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    pub(crate) async fn delete_shipment_impl(&self, id: ShipmentId) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Numbers, order, events and access rows go with it (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM shipments WHERE id = ?")
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::ShipmentNotFound(id));
        }
        tx.commit().await.map_err(backend)
    }

    pub(crate) async fn owned_shipments_impl(
        &self,
        owner: UserId,
        filter: &ShipmentFilter,
    ) -> Result<Vec<OwnedShipment>, StoreError> {
        let mut tx = self.pool().begin().await.map_err(backend)?;
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT a.shipment_id, a.archived_at_us FROM shipment_access a",
        );
        if filter.milestone.is_some() {
            qb.push(" JOIN shipments s ON s.id = a.shipment_id");
        }
        if filter.marketplace.is_some() {
            qb.push(" JOIN orders o ON o.shipment_id = a.shipment_id");
        }
        qb.push(" WHERE a.owner_id = ");
        qb.push_bind(owner.get());
        qb.push(" AND a.shipment_id > ");
        qb.push_bind(filter.after.map_or(0, ShipmentId::get));
        if let Some(milestone) = filter.milestone {
            qb.push(" AND s.status_milestone = ");
            qb.push_bind(milestone.key());
        }
        if let Some(marketplace) = &filter.marketplace {
            qb.push(" AND lower(o.marketplace) = lower(");
            qb.push_bind(marketplace.as_str());
            qb.push(")");
        }
        qb.push(match filter.archive {
            ArchiveFilter::Active => " AND a.archived_at_us IS NULL",
            ArchiveFilter::Archived => " AND a.archived_at_us IS NOT NULL",
            ArchiveFilter::All => "",
        });
        qb.push(" ORDER BY a.shipment_id LIMIT ");
        qb.push_bind(i64::try_from(filter.limit).unwrap_or(i64::MAX));
        let mut page: Vec<(i64, Option<i64>)> = Vec::new();
        for row in qb.build().fetch_all(&mut *tx).await.map_err(backend)? {
            page.push((get(&row, 0)?, get(&row, 1)?));
        }
        let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(crate::IN_CHUNK) {
            for shipment in load_shipments(&mut tx, Which::Ids(chunk)).await? {
                let archived_us = page
                    .iter()
                    .find(|(id, _)| *id == shipment.id.get())
                    .and_then(|(_, at)| *at);
                out.push(OwnedShipment {
                    shipment,
                    archived_at: archived_us
                        .map(|us| rows::timestamp("shipment_access.archived_at_us", us))
                        .transpose()?,
                });
            }
        }
        tx.commit().await.map_err(backend)?;
        Ok(out)
    }
}

fn access_row(row: &SqliteRow, from: usize) -> Result<ShipmentAccess, StoreError> {
    let owner: Option<i64> = get(row, from)?;
    let archived: Option<i64> = get(row, from + 1)?;
    Ok(ShipmentAccess {
        owner: owner
            .map(|id| rows::user_id("shipment_access.owner_id", id))
            .transpose()?,
        archived_at: archived
            .map(|us| rows::timestamp("shipment_access.archived_at_us", us))
            .transpose()?,
    })
}
