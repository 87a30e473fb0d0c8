"""The tables of the tests' ``read_db``, shared with the differential corpus; run after ``USE`` of their database.

They end in a non-strict session (``sql_mode = ''``): all_types' zero dates and composite's clipped ``v`` are
stored as the tests expect them.
"""

from __future__ import annotations

__all__ = ["ODD_TABLE", "READ_TABLES", "READ_TABLE_NAMES"]

ODD_TABLE = "order.items ü `x` 100%"
_ODD = "`" + ODD_TABLE.replace("`", "``") + "`"

READ_TABLES: tuple[str, ...] = (
    """CREATE TABLE all_types (
        id INT PRIMARY KEY,
        b TINYINT(1), ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, i INT, iu INT UNSIGNED,
        bi BIGINT, bu BIGINT UNSIGNED, d DECIMAL(65,30), d2 DECIMAL(12,2), f FLOAT, db DOUBLE,
        bit1 BIT(1), bit12 BIT(12), dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(6), yr YEAR,
        c CHAR(3), vc VARCHAR(50), tx TEXT, en ENUM('a','b'), st SET('x','y','z'), js JSON,
        bin BINARY(4), vb VARBINARY(300), bl BLOB, geo POINT
    ) COMMENT 'every type'""",
    "SET SESSION sql_mode = ''",
    f"""INSERT INTO all_types VALUES
        (1, 1, -128, 255, -32768, -8388608, -2147483648, 4294967295, -9223372036854775808,
         18446744073709551615, '12345678901234567890123456789012345.123456789012345678901234567890', 9.99,
         1.5, 0.1, b'1', b'111111111111', '2024-02-29', '2024-01-02 03:04:05.123456', '2024-06-01 12:00:00.500',
         '-838:59:59.000000', 2024, 'abc', 'héllo 🎉 "q" \\\\ ', 'multi\\nline', 'b', 'x,z',
         '{{"k": "ünï", "n": [1, 2.5, null], "e": "🎉"}}', 0x00FF10AB, 0x{''.join(f'{i:02x}' for i in range(256))},
         'blob', ST_GeomFromText('POINT(1 2)')),
        (2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'0', b'000000000000', '0000-00-00', '0000-00-00 00:00:00',
         NULL, '25:00:00', 1901, '', '', '', 'a', '', 'null', 0x00000000, '', '', NULL),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""",
    "CREATE TABLE seq (id INT PRIMARY KEY, grp INT NOT NULL, v VARCHAR(20), dt DATETIME NOT NULL)",
    "INSERT INTO seq VALUES " + ", ".join(
        f"({i}, {i % 3}, 'v{i}', '{'2024-01-01 00:00:00' if i % 2 else '2024-03-01 10:00:00'}')"
        for i in range(1, 151)),
    "CREATE VIEW seq_view AS SELECT id, v FROM seq WHERE grp = 1",
    "CREATE TABLE keyless (a INT, b VARCHAR(10))",
    "INSERT INTO keyless VALUES (1,'x'),(1,'x'),(1,'x'),(2,NULL),(NULL,'y'),(2,NULL),(3,'z')",
    "CREATE TABLE composite (k1 VARCHAR(10) NOT NULL, k2 BIGINT UNSIGNED NOT NULL, v INT, PRIMARY KEY (k1, k2))",
    "INSERT INTO composite VALUES " + ", ".join(
        f"('{k1}', {k2}, {k2 * 10})" for k1 in ("a", "B", "c", "ü") for k2 in (1, 2, 18446744073709551615)),
    f"CREATE TABLE {_ODD} (`select` INT PRIMARY KEY, `col.with dot` VARCHAR(10), `ünï 列` INT)",
    f"INSERT INTO {_ODD} VALUES (1, 'a', 10), (2, 'b', 20)",
)
READ_TABLE_NAMES = ("all_types", "seq", "seq_view", "keyless", "composite", ODD_TABLE)
