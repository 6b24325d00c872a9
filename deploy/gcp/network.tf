# A private network: the VMs have no public address (Cloud NAT for pulling images), Cloud SQL
# and Memorystore are reached over private service access.
resource "google_compute_network" "chirp" {
  name                    = "chirp"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "nodes" {
  name                     = "chirp-nodes"
  network                  = google_compute_network.chirp.id
  region                   = var.region
  ip_cidr_range            = "10.10.0.0/20"
  private_ip_google_access = true
}

resource "google_compute_global_address" "services" {
  name          = "chirp-private-services"
  network       = google_compute_network.chirp.id
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = 16
}

resource "google_service_networking_connection" "services" {
  network                 = google_compute_network.chirp.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.services.name]
}

resource "google_compute_router" "nat" {
  name    = "chirp-nat"
  network = google_compute_network.chirp.id
  region  = var.region
}

resource "google_compute_router_nat" "nat" {
  name                               = "chirp-nat"
  router                             = google_compute_router.nat.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"
}

# Google's load balancers and health checkers reach the nodes from these ranges only.
resource "google_compute_firewall" "from_load_balancers" {
  name          = "chirp-from-load-balancers"
  network       = google_compute_network.chirp.id
  source_ranges = ["130.211.0.0/22", "35.191.0.0/16"]
  target_tags   = ["chirp-node"]
  allow {
    protocol = "tcp"
    ports    = ["8080", "1935"]
  }
}
