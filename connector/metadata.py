"""ListEntities and DescribeEntity: the catalog in AppFlow's terms."""

from __future__ import annotations

import bisect

import pymysql
from custom_connector_sdk.connector.context import Entity as SdkEntity
from custom_connector_sdk.connector.context import EntityDefinition
from custom_connector_sdk.connector.fields import (
    FieldDefinition,
    ReadOperationProperty,
    WriteOperationProperty,
    WriteOperationType,
)
from custom_connector_sdk.connector.settings import CacheControl, TimeUnit

from connector.catalog import Column, Entity, list_schemas, list_tables
from connector.errors import InvalidArgumentError, ResourceNotFoundError
from connector.limits import METADATA_CACHE_SECONDS

__all__ = ["CACHE_CONTROL", "EntityList", "entity_definition", "list_entities"]

# AppFlow's minimum; a new column shows up in the flow editor within ten minutes.
CACHE_CONTROL = CacheControl(time_to_live=METADATA_CACHE_SECONDS, time_to_live_unit=TimeUnit.SECONDS)


class EntityList:
    """One page of entities and the token for the next."""

    def __init__(self, entities: list[SdkEntity], next_token: str | None) -> None:
        self.entities = entities
        self.next_token = next_token


def list_entities(
    conn: pymysql.connections.Connection,
    database: str | None,
    path: str | None,
    max_result: int,
    next_token: str | None,
) -> EntityList:
    """Tables and views of the profile's database; without one, schemas first (nested)."""
    schema = path or database
    if database and path and path != database:
        msg = f"entitiesPath {path!r} is outside database {database!r}, the one the profile is limited to."
        raise ResourceNotFoundError(msg)
    if schema is None:
        entities = [SdkEntity(name, True, False, name, f"Schema {name}") for name in list_schemas(conn)]
    else:
        tables = list_tables(conn, schema)
        if not tables and schema not in list_schemas(conn):
            msg = f"Schema {schema!r} was not found, or the user has no privilege in it."
            raise ResourceNotFoundError(msg)
        entities = [SdkEntity(f"{schema}.{name}", False, not is_view, name,
                              comment or ("View" if is_view else "Table") + f" {schema}.{name}")
                    for name, is_view, comment in tables]
    start = 0
    if next_token:
        # the token is the last name listed; the list is sorted, so a page goes on after it even when that
        # entity was dropped meanwhile
        if schema is not None and not next_token.startswith(f"{schema}."):
            msg = "nextToken of ListEntities belongs to another path; list again without it."
            raise InvalidArgumentError(msg)
        start = bisect.bisect_right([e.entity_identifier for e in entities], next_token)
    page = entities[start:start + max_result]
    more = start + max_result < len(entities)
    return EntityList(page, page[-1].entity_identifier if more and page else None)


def _field(column: Column, entity: Entity) -> FieldDefinition:
    from connector.filters import FilterColumn, operators_for

    operators = operators_for(FilterColumn.of(column))
    return FieldDefinition(
        field_name=column.name,
        data_type=column.type.field_type,
        data_type_label=column.column_type,
        label=column.name,
        description=column.comment or None,
        is_primary_key=column in entity.primary_key,
        default_value=column.default,
        read_properties=ReadOperationProperty(
            is_retrievable=True,
            is_nullable=column.nullable,
            is_queryable=bool(operators),
            is_timestamp_field_for_incremental_queries=column.type.incremental,
        ),
        filter_operators=operators,
        write_properties=None if entity.is_view else _write_properties(column, entity),
    )


_BY_KEY = [WriteOperationType.UPDATE, WriteOperationType.UPSERT, WriteOperationType.DELETE]


def _write_properties(column: Column, entity: Entity) -> WriteOperationProperty:
    """What a destination flow may do with the column; key columns can be idFieldNames.

    A key is a unique index on whole columns (a prefix or expression index is none); UPSERT cannot
    match by a key with a generated column, whose value a new row does not take from the record.
    """
    assigned = column.auto_increment or column.generated
    keys = [key for key in entity.unique_keys if column in key]
    upsert_key = any(not any(c.generated for c in key) for key in keys)
    by_key = [op for op in _BY_KEY if keys and (op is not WriteOperationType.UPSERT or upsert_key)]
    return WriteOperationProperty(
        is_creatable=not assigned,
        is_updatable=not assigned,
        is_nullable=column.nullable or column.default is not None or assigned,
        is_upsertable=not column.generated,
        is_defaulted_on_create=column.default is not None or assigned or column.nullable,
        supported_write_operations=[WriteOperationType.INSERT, *by_key],
    )


def entity_definition(entity: Entity) -> EntityDefinition:
    """The entity and one field per column, in ordinal order."""
    kind = "View" if entity.is_view else "Table"
    return EntityDefinition(
        entity=SdkEntity(entity.identifier, False, not entity.is_view, entity.table,
                         entity.comment or f"{kind} {entity.identifier}"),
        fields=[_field(column, entity) for column in entity.columns],
        custom_properties={"pageKey": ",".join(c.name for c in entity.key) or "(none: ordered by all columns)"},
    )
