# Cloud SQL for PostgreSQL (private IP only, highly available), Memorystore for Redis, the
# media bucket, and the secrets the nodes read at boot.

resource "google_sql_database_instance" "chirp" {
  name                = "chirp"
  region              = var.region
  database_version    = "POSTGRES_15"
  deletion_protection = true
  depends_on          = [google_service_networking_connection.services]

  settings {
    tier              = var.db_tier
    availability_type = "REGIONAL"
    disk_type         = "PD_SSD"
    disk_size         = var.db_disk_gb
    disk_autoresize   = true

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.chirp.id
      ssl_mode        = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
    }

    # Every process holds up to `db_pool_per_process` connections: nodes x workers x pool,
    # plus room for the proxy's own, administration and a rolling update's extra VMs.
    database_flags {
      name  = "max_connections"
      value = tostring((var.max_nodes + 3) * var.workers_per_node * var.db_pool_per_process + 20)
    }

    insights_config {
      query_insights_enabled = true
    }
  }
}

resource "google_sql_database" "chirp" {
  name     = "chirp"
  instance = google_sql_database_instance.chirp.name
}

resource "random_password" "db" {
  length  = 32
  special = false
}

resource "google_sql_user" "chirp" {
  name     = "chirp"
  instance = google_sql_database_instance.chirp.name
  password = random_password.db.result
}

resource "google_redis_instance" "chirp" {
  name               = "chirp"
  region             = var.region
  tier               = "STANDARD_HA"
  memory_size_gb     = var.redis_memory_gb
  redis_version      = "REDIS_7_0"
  authorized_network = google_compute_network.chirp.id
  connect_mode       = "PRIVATE_SERVICE_ACCESS"
  depends_on         = [google_service_networking_connection.services]

  # The replay history and its epoch must never be evicted to make room (a full Redis refuses
  # writes instead; the history is capped by CHIRP_BUS_HISTORY).
  redis_configs = {
    maxmemory-policy = "noeviction"
  }
}

resource "google_storage_bucket" "media" {
  name                        = "${var.project}-chirp-media"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"
}

# Media objects are public (their names are unguessable ids); Cloud CDN serves them.
resource "google_storage_bucket_iam_member" "media_public" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "random_password" "media_signing_key" {
  length  = 48
  special = false
}

resource "google_secret_manager_secret" "store" {
  secret_id = "chirp-store-url"
  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_version" "store" {
  secret = google_secret_manager_secret.store.id
  # The nodes reach Cloud SQL through the Auth Proxy on their own loopback.
  secret_data = "postgresql://chirp:${random_password.db.result}@127.0.0.1:5432/chirp"
}

resource "google_secret_manager_secret" "media_signing_key" {
  secret_id = "chirp-media-signing-key"
  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_version" "media_signing_key" {
  secret      = google_secret_manager_secret.media_signing_key.id
  secret_data = random_password.media_signing_key.result
}
