"""Every page people open, by who opens it; paths are filled from the `world` fixture."""

PAGES = {
    None: ["/", "/layanan", "/layanan/1", "/board/", "/ikm", "/login", "/t/{waiting}", "/t/{served}/survey",
           "/survey/kiosk/{kiosk}", "/halaman-tidak-ada"],
    "resepsionis": ["/reception/", "/reception/tickets/{ticket}/print", "/password"],
    "petugas": ["/counters/", "/counters/1", "/reports/"],
    "admin": ["/admin/", "/admin/users", "/admin/users/new", "/admin/hours", "/admin/agencies", "/admin/agencies/1",
              "/admin/services", "/admin/services/1", "/admin/counters", "/admin/counters/1", "/admin/settings",
              "/admin/audit", "/reports/?by=service"],
}

# htmx fragments (swapped into those pages), by who asks for them.
FRAGMENTS = {
    None: ["/board/state", "/board/hours", "/t/{waiting}"],
    "resepsionis": ["/reception/overview", "/reception/services?q=ktp", "/reception/tickets/lookup?q=A-003",
                    "/reception/tickets/lookup?q=ng"],
    "petugas": ["/counters/1/current", "/counters/1/waiting", "/reports/today"],
    "admin": ["/admin/hours/preview", "/admin/hours/4/edit", "/admin/hours/4"],
}
