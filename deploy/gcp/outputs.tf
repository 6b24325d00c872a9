output "lb_ip" {
  description = "Point the domain's A record here."
  value       = google_compute_global_address.chirp.address
}

output "rtmp_ingest" {
  description = "What encoders publish to (set CHIRP_LIVE_RTMP_URL to it)."
  value       = "rtmp://${google_compute_global_address.rtmp.address}:1935/live"
}

output "instance_group" {
  description = "The nodes' managed instance group (cloudbuild.yaml rolls it)."
  value       = google_compute_region_instance_group_manager.nodes.name
}

output "sql_connection_name" {
  value = google_sql_database_instance.chirp.connection_name
}

output "redis_host" {
  value = google_redis_instance.chirp.host
}

output "media_bucket" {
  value = google_storage_bucket.media.name
}
