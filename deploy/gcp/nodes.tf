# The nodes: a regional managed instance group of VMs, each running the Chirp image (with
# CHIRP_WORKERS processes) beside the Cloud SQL Auth Proxy, started by `startup.sh.tftpl`.

resource "google_service_account" "node" {
  account_id   = "chirp-node"
  display_name = "Chirp node"
}

resource "google_project_iam_member" "node" {
  for_each = toset([
    "roles/cloudsql.client",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/artifactregistry.reader",
    "roles/cloudtrace.agent",
  ])
  project = var.project
  role    = each.value
  member  = "serviceAccount:${google_service_account.node.email}"
}

resource "google_storage_bucket_iam_member" "node_media" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.node.email}"
}

resource "google_secret_manager_secret_iam_member" "node" {
  for_each  = { store = google_secret_manager_secret.store.id, signing = google_secret_manager_secret.media_signing_key.id }
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.node.email}"
}

resource "google_compute_instance_template" "node" {
  name_prefix  = "chirp-node-"
  machine_type = var.machine_type
  tags         = ["chirp-node"]

  disk {
    source_image = "debian-cloud/debian-12"
    disk_size_gb = 20
    boot         = true
    auto_delete  = true
  }

  network_interface {
    subnetwork = google_compute_subnetwork.nodes.id
  }

  service_account {
    email  = google_service_account.node.email
    scopes = ["cloud-platform"]
  }

  metadata = {
    enable-oslogin = "TRUE"
    startup-script = templatefile("${path.module}/startup.sh.tftpl", {
      image               = var.image
      region              = var.region
      project             = var.project
      sql_connection      = google_sql_database_instance.chirp.connection_name
      redis_url           = "redis://${google_redis_instance.chirp.host}:${google_redis_instance.chirp.port}/0"
      media_bucket        = google_storage_bucket.media.name
      public_url          = "https://${var.domain}"
      rtmp_url            = "rtmp://${google_compute_global_address.rtmp.address}:1935/live"
      workers             = var.workers_per_node
      store_secret        = google_secret_manager_secret.store.secret_id
      signing_key_secret  = google_secret_manager_secret.media_signing_key.secret_id
      db_pool_per_process = var.db_pool_per_process
    })
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Liveness for autohealing: the process answers (not /readyz, which fails while Cloud SQL or
# Redis is away: healing would then replace every VM at once for nothing).
resource "google_compute_health_check" "alive" {
  name                = "chirp-alive"
  check_interval_sec  = 10
  timeout_sec         = 5
  unhealthy_threshold = 6
  http_health_check {
    port         = 8080
    request_path = "/api/v1/streaming/health"
  }
}

# Readiness for the load balancers: store and bus reachable, not draining.
resource "google_compute_health_check" "ready" {
  name                = "chirp-ready"
  check_interval_sec  = 5
  timeout_sec         = 3
  healthy_threshold   = 2
  unhealthy_threshold = 2
  http_health_check {
    port         = 8080
    request_path = "/readyz"
  }
}

resource "google_compute_health_check" "rtmp" {
  name               = "chirp-rtmp"
  check_interval_sec = 5
  timeout_sec        = 3
  tcp_health_check {
    port = 1935
  }
}

resource "google_compute_region_instance_group_manager" "nodes" {
  name               = "chirp"
  region             = var.region
  base_instance_name = "chirp"

  version {
    instance_template = google_compute_instance_template.node.id
  }

  named_port {
    name = "http"
    port = 8080
  }

  named_port {
    name = "rtmp"
    port = 1935
  }

  auto_healing_policies {
    health_check      = google_compute_health_check.alive.id
    initial_delay_sec = 180
  }

  update_policy {
    type                  = "PROACTIVE"
    minimal_action        = "REPLACE"
    max_surge_fixed       = 3
    max_unavailable_fixed = 0
  }
}

resource "google_compute_region_autoscaler" "nodes" {
  name   = "chirp"
  region = var.region
  target = google_compute_region_instance_group_manager.nodes.id

  autoscaling_policy {
    min_replicas    = var.min_nodes
    max_replicas    = var.max_nodes
    cooldown_period = 120
    cpu_utilization {
      target = 0.6
    }
  }
}
