# The external HTTPS load balancer: websockets and SSE (an hour per connection), Cloud CDN for
# /media straight from the bucket (uploads, and live HLS: the relay writes public streams'
# segments and playlists there with their Cache-Control, playlists max-age 1 s), HTTP
# redirected to HTTPS. RTMP ingest goes through a TCP proxy.

resource "google_compute_global_address" "chirp" {
  name = "chirp"
}

resource "google_compute_managed_ssl_certificate" "chirp" {
  name = "chirp"
  managed {
    domains = [var.domain]
  }
}

resource "google_compute_backend_service" "api" {
  name                  = "chirp-api"
  protocol              = "HTTP"
  port_name             = "http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  locality_lb_policy    = "LEAST_REQUEST"
  health_checks         = [google_compute_health_check.ready.id]
  # Websockets and SSE streams: the backend timeout is how long one may stay open.
  timeout_sec                     = 3600
  connection_draining_timeout_sec = 30

  backend {
    group           = google_compute_region_instance_group_manager.nodes.instance_group
    balancing_mode  = "UTILIZATION"
    max_utilization = 0.8
  }

  log_config {
    enable      = true
    sample_rate = 0.1
  }
}

resource "google_compute_backend_bucket" "media" {
  name        = "chirp-media"
  bucket_name = google_storage_bucket.media.name
  enable_cdn  = true
  cdn_policy {
    # Objects' own Cache-Control wins (live playlists: 1 s); this is for objects without one.
    cache_mode  = "CACHE_ALL_STATIC"
    default_ttl = 86400
    max_ttl     = 31536000
  }
}

resource "google_compute_url_map" "chirp" {
  name            = "chirp"
  default_service = google_compute_backend_service.api.id

  host_rule {
    hosts        = [var.domain]
    path_matcher = "chirp"
  }

  path_matcher {
    name            = "chirp"
    default_service = google_compute_backend_service.api.id

    path_rule {
      paths   = ["/media/*"]
      service = google_compute_backend_bucket.media.id
    }
  }
}

resource "google_compute_target_https_proxy" "chirp" {
  name             = "chirp"
  url_map          = google_compute_url_map.chirp.id
  ssl_certificates = [google_compute_managed_ssl_certificate.chirp.id]
  # Longer than Chirp's idle keep-alive must not be: Chirp keeps connections 620 s, longer
  # than this, so the balancer always closes first.
  http_keep_alive_timeout_sec = 610
}

resource "google_compute_global_forwarding_rule" "https" {
  name                  = "chirp-https"
  target                = google_compute_target_https_proxy.chirp.id
  ip_address            = google_compute_global_address.chirp.id
  port_range            = "443"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

resource "google_compute_url_map" "redirect" {
  name = "chirp-redirect"
  default_url_redirect {
    https_redirect         = true
    strip_query            = false
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  name    = "chirp-redirect"
  url_map = google_compute_url_map.redirect.id
}

resource "google_compute_global_forwarding_rule" "http" {
  name                  = "chirp-http"
  target                = google_compute_target_http_proxy.redirect.id
  ip_address            = google_compute_global_address.chirp.id
  port_range            = "80"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

# RTMP ingest: a global external proxy Network Load Balancer (EXTERNAL_MANAGED takes any
# port, 1935 included), spreading encoders over the nodes' relays.
resource "google_compute_global_address" "rtmp" {
  name = "chirp-rtmp"
}

resource "google_compute_backend_service" "rtmp" {
  name                            = "chirp-rtmp"
  protocol                        = "TCP"
  port_name                       = "rtmp"
  load_balancing_scheme           = "EXTERNAL_MANAGED"
  health_checks                   = [google_compute_health_check.rtmp.id]
  timeout_sec                     = 86400 # a live stream is one long connection
  connection_draining_timeout_sec = 300

  backend {
    group           = google_compute_region_instance_group_manager.nodes.instance_group
    balancing_mode  = "CONNECTION"
    max_connections = 10000
  }
}

resource "google_compute_target_tcp_proxy" "rtmp" {
  name            = "chirp-rtmp"
  backend_service = google_compute_backend_service.rtmp.id
}

resource "google_compute_global_forwarding_rule" "rtmp" {
  name                  = "chirp-rtmp"
  target                = google_compute_target_tcp_proxy.rtmp.id
  ip_address            = google_compute_global_address.rtmp.id
  port_range            = "1935"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}
