"""Column types and boundary values from peers' type-matrix tests (Airbyte source-mysql, Debezium, PyMySQL).

Each row: (column DDL type, SQL literals to INSERT, where it comes from). Every literal inserts on
MariaDB 10.11 in strict mode (the default sql_mode, STRICT_TRANS_TABLES: it has no NO_ZERO_DATE or
NO_ZERO_IN_DATE, so the zero dates below are accepted). Literals are SQL text for a connection with
utf8mb4 and backslash escapes on (no NO_BACKSLASH_ESCAPES). PEER_VALUES_NONSTRICT holds peer literals
that MariaDB 10.11 rejects in strict mode and only stores, with a warning, under sql_mode=''.

Sources: airbyte = airbytehq/airbyte airbyte-integrations/connectors/source-mysql tests; debezium =
debezium/debezium debezium-connector-binlog (formerly -mysql) src/test/resources/ddl/*.sql unless a class
is named; pymysql = PyMySQL/PyMySQL pymysql/tests.
"""

# PyMySQL test_binary: bytes 0..254 into BINARY(255); test_blob: bytes 0..255 four times into BLOB.
_BYTES_0_254 = "X'" + bytes(range(255)).hex().upper() + "'"
_BYTES_0_255_X4 = "X'" + (bytes(range(256)) * 4).hex().upper() + "'"
# Airbyte getLogString(1048000): a 1,048,000-character string of '0' built on the server.
_LPAD_1048000 = "concat(" + "lpad('0', 262144, '0'), " * 3 + "lpad('0', 261568, '0'))"

PEER_VALUES: list[tuple[str, list[str], str]] = [
    ("TINYINT", ["NULL", "-128", "127"], "airbyte AbstractMySqlSourceDatatypeTest"),
    ("TINYINT(3) UNSIGNED", ["255", "155", "0"], "debezium unsigned_integer_test.sql"),
    (
        "BOOLEAN",
        ["NULL", "1", "0", "127", "-128", "TRUE", "FALSE", "5"],
        ("airbyte MySqlSourceDatatypeTest, MySqlSourceDatatypeIntegrationTest.kt; debezium tinyint_test.sql"),
    ),
    (
        "SMALLINT",
        ["NULL", "-32768", "32767", "-12767"],
        "airbyte AbstractMySqlSourceDatatypeTest; debezium unsigned_integer_test.sql",
    ),
    (
        "SMALLINT UNSIGNED",
        ["NULL", "0", "65535", "45535"],
        "airbyte AbstractMySqlSourceDatatypeTest; debezium unsigned_integer_test.sql",
    ),
    (
        "MEDIUMINT",
        ["NULL", "-8388608", "8388607", "-6388607"],
        "airbyte AbstractMySqlSourceDatatypeTest; debezium unsigned_integer_test.sql",
    ),
    ("MEDIUMINT UNSIGNED", ["16777215", "10777215", "0"], "debezium unsigned_integer_test.sql"),
    (
        "INT",
        ["NULL", "-2147483648", "2147483647", "0"],
        "airbyte AbstractMySqlSourceDatatypeTest; debezium regression_test.sql",
    ),
    (
        "INT UNSIGNED",
        ["3428724653", "4294967295", "3294967295", "0"],
        "airbyte AbstractMySqlSourceDatatypeTest; debezium unsigned_integer_test.sql",
    ),
    ("INT(11) UNSIGNED ZEROFILL", ["4294967295", "3294967295", "0"], "debezium unsigned_integer_test.sql"),
    (
        "BIGINT",
        ["NULL", "9223372036854775807", "-9223372036854775808", "-1223372036854775807", "123456789012"],
        ("airbyte AbstractMySqlSourceDatatypeTest; debezium unsigned_integer_test.sql; pymysql test_basic"),
    ),
    ("BIGINT UNSIGNED", ["18446744073709551615", "14446744073709551615", "0"], "debezium unsigned_integer_test.sql"),
    (
        "BIT",
        ["NULL", "1", "0", "b'1'", "b'0'"],
        "airbyte AbstractMySqlSourceDatatypeTest; airbyte MySqlSourceDatatypeIntegrationTest.kt",
    ),
    ("BIT(7)", ["NULL", "b'1000001'"], "airbyte AbstractMySqlSourceDatatypeTest"),
    (
        "BIT(8)",
        ["64", "b'01000000'", "b'10101010'"],
        "debezium regression_test.sql; airbyte MySqlSourceDatatypeIntegrationTest.kt",
    ),
    ("BIT(64)", ["23989979", "b'1011011100000111011011011'"], "debezium regression_test.sql"),
    ("DECIMAL(10,3)", ["NULL", "0.188"], "airbyte AbstractMySqlSourceDatatypeTest"),
    (
        "DECIMAL(19,2)",
        ["1700000.01", "'123'", "1700000.00"],
        "airbyte AbstractMySqlSourceDatatypeTest/CdcMySqlSourceDatatypeTest",
    ),
    (
        "DECIMAL(60,4)",
        ["10000000000000000000000000000000000000000.0001"],
        "airbyte MySqlSourceDatatypeIntegrationTest.kt",
    ),
    ("DECIMAL(60,0)", ["10000000000000000000000000000000000000000"], "airbyte MySqlSourceDatatypeIntegrationTest.kt"),
    ("DECIMAL(65,18)", ["'0.000000000000000000'"], "debezium decimal_test.sql (column default)"),
    ("NUMERIC(7,5)", ["NULL", "3.444", "'12.678'", "'15.28'"], "debezium decimal_test.sql"),
    ("DECIMAL(7)", ["234.5"], "debezium decimal_column_test.sql"),
    (
        "FLOAT",
        ["NULL", "10.5", "123.4567", "5.6", "0.2"],
        (
            "airbyte AbstractMySqlSourceDatatypeTest; "
            "airbyte MySqlSourceDatatypeIntegrationTest.kt; "
            "debezium float_test.sql"
        ),
    ),
    ("FLOAT(10,2)", ["5.61"], "debezium float_test.sql"),
    ("FLOAT(53,8)", ["123.4567"], "airbyte MySqlSourceDatatypeIntegrationTest.kt"),
    ("FLOAT(25)", ["64.1"], "debezium float_test.sql"),
    ("FLOAT UNSIGNED", ["64.1234", "'0'"], "debezium float_test.sql"),
    (
        "DOUBLE",
        ["NULL", "power(10, 308)", "1/power(10, 45)", "10.5", "0.2", "2.36", "5.7"],
        "airbyte AbstractMySqlSourceDatatypeTest; debezium real_test.sql; pymysql test_basic",
    ),
    (
        "DATE",
        [
            "NULL",
            "'2021-01-01'",
            "'1999-01-08'",
            "'2022/11/12'",
            "'1987.12.01'",
            "'0600-12-02'",
            "'1752-09-09'",
            "'1988-02-02'",
            "'18-04-01'",
            "'0018-04-01'",
            "'78-04-01'",
            "'0078-04-01'",
        ],
        (
            "airbyte AbstractMySqlSourceDatatypeTest; "
            "airbyte MySqlSourceDatatypeIntegrationTest.kt; "
            "debezium year_test.sql; "
            "pymysql test_basic"
        ),
    ),
    (
        "DATE",
        ["'0000-00-00'", "'2021-00-00'", "'2021-01-00'"],
        "airbyte AbstractMySqlSourceDatatypeTest (zero dates); debezium regression_test.sql",
    ),
    (
        "DATETIME",
        [
            "NULL",
            "'2005-10-10 23:22:21'",
            "'2013-09-05T10:10:02'",
            "'1752-09-01 14:30:00'",
            "'2014-05-15 07:45:57'",
            "'18-04-01 12:34:56'",
            "'0018-04-01 12:34:56'",
            "'78-04-01 12:34:56'",
            "'0000-00-00 00:00:00'",
        ],
        (
            "airbyte AbstractMySqlSourceDatatypeTest; "
            "airbyte MySqlSourceDatatypeIntegrationTest.kt; "
            "debezium year_test.sql/zero_date_fallback_converter.sql; "
            "pymysql test_basic"
        ),
    ),
    (
        "DATETIME(2)",
        ["'2014-09-08 17:51:04.777'", "'0000-00-00 00:00:00.000'", "'0001-00-00 00:00:00.000'"],
        "debezium regression_test.sql",
    ),
    (
        "DATETIME(6)",
        ["'2013-11-12 09:09:09.123450'", "'2007-02-24 23:06:20.511581'"],
        "pymysql test_basic/test_converters",
    ),
    (
        "TIMESTAMP",
        [
            "NULL",
            "'2024-09-12 14:30:00'",
            "'1970-01-02 00:00:00'",
            "'2030-12-31 23:59:59'",
            "'0000-00-00'",
            "'0000-00-00 00:00:00'",
        ],
        (
            "airbyte AbstractMySqlSourceDatatypeTest; "
            "airbyte MySqlSourceDatatypeIntegrationTest.kt; "
            "debezium zero_date_fallback_converter.sql"
        ),
    ),
    ("TIMESTAMP(2)", ["'2014-09-08 17:51:04.777'"], "debezium regression_test.sql"),
    (
        "TIME",
        [
            "NULL",
            "'-23:59:59'",
            "'00:00:00'",
            "'23:59:59'",
            "'-22:59:59'",
            "'24:00:00'",
            "'-13:14:50'",
            "'120:00:06'",
            "'12:30'",
            "'-12:30'",
            "'-00:30'",
            "'26:00:00'",
            "'789:12:34'",
            "'-789:12:34'",
        ],
        ("airbyte AbstractMySqlSourceDatatypeTest; debezium regression_test.sql; pymysql test_basic/test_converters"),
    ),
    ("TIME(2)", ["'517:51:04.777'", "'17:51:04.777'", "'00:00:00.000'"], "debezium regression_test.sql"),
    ("TIME(3)", ["'-733:00:00.0011'", "'-1:59:59.0011'"], "debezium regression_test.sql"),
    (
        "TIME(6)",
        [
            "NULL",
            "'-838:59:59.000000'",
            "'-838:59:58.999999'",
            "'-00:20:38.000000'",
            "'-01:01:01.000001'",
            "'-00:00:00.000000'",
            "'123:00:00.123456'",
            "'-23:59:59.123456'",
            "'-23:12:59.051000'",
            "'789:12:34.511581'",
        ],
        (
            "debezium regression_test.sql; "
            "debezium BinlogConvertingFailureIT; "
            "airbyte MySqlSourceDatatypeTest/ComprehensiveTest; "
            "pymysql test_converters"
        ),
    ),
    (
        "YEAR",
        [
            "NULL",
            "'1997'",
            "'0'",
            "'50'",
            "'70'",
            "'80'",
            "'99'",
            "'00'",
            "'000'",
            "1992",
            "2002",
            "70",
            "'18'",
            "'0018'",
            "'2018'",
            "'78'",
            "'0078'",
            "'1978'",
        ],
        (
            "airbyte AbstractMySqlSourceDatatypeTest; "
            "airbyte MySqlSourceDatatypeIntegrationTest.kt; "
            "debezium year_test.sql"
        ),
    ),
    (
        "CHAR(63)",
        ["NULL", "'Airbyte'", "'!\"#$%&\\'()*+,-./:;<=>?\\@[\\]^_\\`{|}~'"],
        "airbyte AbstractMySqlSourceDatatypeTest",
    ),
    (
        "VARCHAR(63)",
        ["NULL", "'Airbyte'", "'!\"#$%&\\'()*+,-./:;<=>?\\@[\\]^_\\`{|}~'"],
        "airbyte AbstractMySqlSourceDatatypeTest",
    ),
    ("VARCHAR(63) CHARACTER SET utf16", ["NULL", "0xfffd"], "airbyte AbstractMySqlSourceDatatypeTest"),
    ("VARCHAR(63) CHARACTER SET cp1251", ["NULL", "'тест'"], "airbyte AbstractMySqlSourceDatatypeTest"),
    ("VARCHAR(7) CHARACTER SET binary", ["NULL", "'Airbyte'"], "airbyte AbstractMySqlSourceDatatypeTest"),
    (
        "VARCHAR(32)",
        ["'hello\\'\" world'", "'hello''\" world'", "'EspaÃ±ol'", "'äöü'", "'Pißata'"],
        "pymysql test_basic/test_issues",
    ),
    ("VARCHAR(255) CHARACTER SET utf8mb3", ["'产品'"], "debezium regression_test.sql"),
    (
        "TEXT",
        ["NULL", "'Airbyte'", "'I am a test string'", "'Žluťoučký'"],
        ("airbyte AbstractMySqlSourceDatatypeTest; pymysql test_basic; debezium db_default_charset.sql"),
    ),
    ("MEDIUMTEXT", ["NULL", "'test'", _LPAD_1048000], "airbyte AbstractMySqlSourceDatatypeTest"),
    ("BINARY(10)", ["NULL", "'Airbyte'"], "airbyte AbstractMySqlSourceDatatypeTest"),
    ("VARBINARY(20000)", ["NULL", "'test'", "'тест'"], "airbyte AbstractMySqlSourceDatatypeTest"),
    (
        "VARBINARY(255)",
        ["X'89504E470D0A1A0A0000000D49484452'", "0x4D7953514C", "X'010203'"],
        ("airbyte MySqlSourceDatatypeIntegrationTest.kt; debezium regression_test.sql/binary_mode_test.sql"),
    ),
    (
        "BINARY(16)",
        [
            "unhex(replace('651aed08-390f-4893-b2f1-36923e7b7400','-',''))",
            "unhex(replace('651aed08-390f-4893-b2f1-36923e7b74','-',''))",
            "unhex(00)",
        ],
        "debezium binary_column_test.sql",
    ),
    ("BINARY(3)", ["X'010203'", "X'00FF00'"], "debezium binary_mode_test.sql; pymysql test_issues (issue364)"),
    ("BINARY(255)", [_BYTES_0_254], "pymysql test_basic (test_binary)"),
    (
        "BLOB",
        ["NULL", "'Airbyte'", "X'010203'", "X'62696E6172790064617461'", _BYTES_0_255_X4],
        "airbyte AbstractMySqlSourceDatatypeTest; debezium binary_mode_test.sql; pymysql test_basic",
    ),
    ("ENUM('xs', 's', 'm', 'l', 'xl')", ["NULL", "'xs'", "'m'"], "airbyte AbstractMySqlSourceDatatypeTest"),
    ("SET('xs', 's', 'm', 'l', 'xl')", ["NULL", "'xs,s'", "'m,xl'"], "airbyte AbstractMySqlSourceDatatypeTest"),
    ("SET('a','b','c')", ["'a,b,c'", "'b,a'", "'a'"], "debezium regression_test.sql"),
    (
        "ENUM('station', 'post_office', 'plane', 'ahihi_dongok', 'now', 'test', 'a,b', 'c,\\'d', 'g,''h')",
        ["'station'", "'now'", "'a,b'", "'c,''d'", "'g,''h'"],
        "debezium enum_column_test.sql",
    ),
    (
        "ENUM('value1', 'value2', 'value3') CHARACTER SET binary COLLATE binary",
        ["NULL", "'value1'", "'value3'"],
        "airbyte MySqlDatatypeAccuracyTest (DDL only)",
    ),
    (
        "SET('value1', 'value2', 'value3') CHARACTER SET binary COLLATE binary",
        ["NULL", "'value1,value3'", "''"],
        "airbyte MySqlDatatypeAccuracyTest (DDL only)",
    ),
    (
        "JSON",
        [
            "NULL",
            '\'{"a": 10, "b": 15}\'',
            '\'{"a":10,"b":15}\'',
            '\'{"a" :10, "b": 15}\'',
            '\'{"col1": "v1"}\'',
            '\'{"key1": "value1", "key2": "value2"}\'',
            "'{}'",
        ],
        (
            "airbyte AbstractMySqlSourceDatatypeTest; "
            "airbyte MySqlSourceComprehensiveTest, MySqlSourceDatatypeIntegrationTest.kt; "
            "debezium json_test.sql"
        ),
    ),
    (
        "JSON",
        ['\'{"fóo": "bär"}\'', '\'{"春江潮水连海平": "海上明月共潮生"}\'', '\'{"hello": "こんにちは"}\''],
        "airbyte AbstractMySqlSourceDatatypeTest; pymysql test_basic (test_json)",
    ),
    (
        "JSON",
        [
            "'[1, 2]'",
            '\'["a", "b",1]\'',
            '\'["here", ["I", "am"], "!!!"]\'',
            "'[]'",
            '\'{"k1": "v1", "k2": {"k21": "v21", "k22": "v22"}, "k3": ["a", "b", 1]}\'',
            '\'{"a": "b", "c": "d", "ab": "abc", "bc": ["x", "y"]}\'',
            "CAST('[]' AS CHAR CHARACTER SET 'ascii')",
        ],
        "debezium json_test.sql",
    ),
    (
        "JSON",
        [
            "'\"scalar string\"'",
            "'true'",
            "'false'",
            "'null'",
            "'-1'",
            "'3.14'",
            "'32767'",
            "'32768'",
            "'-32768'",
            "'2147483647'",
            "'2147483648'",
            "'-2147483648'",
            "'-2147483649'",
            "'18446744073709551615'",
            "'18446744073709551616'",
        ],
        "debezium json_test.sql",
    ),
    (
        "POINT",
        [
            "NULL",
            "ST_GeomFromText('POINT(1 1)')",
            "ST_GeomFromText('POINT(8.25554554 3.22124447)', 4326)",
            "ST_GeomFromText('POINT(0 0)', 1234)",
        ],
        "debezium geometry_test_5/8.sql; airbyte MySqlSourceDatatypeTest",
    ),
    (
        "GEOMETRY",
        ["NULL", "ST_GeomFromText('POINT(1 1)', 4326)", "ST_GeomFromText('LINESTRING(0 0, 1 1)')"],
        "debezium geometry_test_8.sql",
    ),
    (
        "LINESTRING",
        ["NULL", "ST_GeomFromText('LINESTRING(0 0, 1 1)', 3187)", "ST_GeomFromText('LINESTRING(1.1 1.1,2.2 2.2)')"],
        "debezium geometry_test_5.sql; pymysql test_issues (issue363)",
    ),
    ("POLYGON", ["NULL", "ST_GeomFromText('POLYGON((0 0, 1 1, 1 0, 0 0))')"], "debezium geometry_test_8.sql"),
    (
        "GEOMETRYCOLLECTION",
        ["NULL", "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))', 4326)"],
        "debezium geometry_test_8.sql",
    ),
    (
        "UUID",
        [
            "'01020304-0506-0708-090a-0b0c0d0e0f10'",
            "'00000000-0000-0000-0000-000000000000'",
            "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
        ],
        "debezium (mariadb) uuid_column_test.sql",
    ),
]

# Rejected in strict mode (ER 1292 Incorrect datetime value); stored with a 1265 warning under sql_mode=''.
# MariaDB 10.11 drops the offset/'Z' rather than applying it, and stores '2021-00-00' as 0000-00-00 00:00:00.
PEER_VALUES_NONSTRICT: list[tuple[str, list[str], str]] = [
    ("DATETIME", ["'2024-09-13T14:40:00+00:00'"], "airbyte MySqlSourceDatatypeIntegrationTest.kt"),
    (
        "TIMESTAMP",
        ["'2022-08-09T10:17:16.161342Z'", "'2021-01-00'", "'2021-00-00'"],
        "airbyte AbstractMySqlSourceDatatypeTest",
    ),
]
