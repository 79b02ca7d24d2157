"""Exchange with other systems: .eln (RO-Crate) export and import, and device results in the
field names of the Perovskite Database / NOMAD solar-cell schema (docs/exchange.md)."""
