"""The kinds of parameter the OpenAPI document describes; each methods module declares its own."""

S, I, L, LI, D, T = "string", "integer", "list", "list-int", "date-time", "decimal"
O = "object"
