/// The OpenAPI document of /api/v1, served at /api/v1/openapi.yaml. The same text is kept in
/// docs/openapi.yaml (a test checks they are equal).
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.0.3
info:
  title: BTMS gateway API
  version: "1"
  description: |
    The JSON API of the BTMS gateway's web UI (docs/web.md). Every path needs a session:
    log in at /login (form post) and send the `bmgw_session` cookie. Values are in display
    units (V, A, mΩ, %, °C, %RH), null when not measured; times are UTC ISO 8601.
servers:
  - url: /api/v1
security:
  - session: []
components:
  securitySchemes:
    session:
      type: apiKey
      in: cookie
      name: bmgw_session
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error: { type: string, description: What is wrong; a wrong parameter is named. }
    StringSummary:
      type: object
      required: [id, name, ups, quality, cells]
      properties:
        id: { type: string }
        name: { type: string }
        ups: { type: string }
        quality: { type: string, enum: [ok, stale, commLost, unknown] }
        time: { type: string, format: date-time, nullable: true }
        cells: { type: integer, minimum: 1 }
        voltage: { type: number, nullable: true }
        current: { type: number, nullable: true }
        soc: { type: number, nullable: true }
        temperature: { type: number, nullable: true }
        humidity: { type: number, nullable: true }
        cellVoltageMin: { type: number, nullable: true }
        cellVoltageMax: { type: number, nullable: true }
    Cell:
      type: object
      required: [cell, flags]
      properties:
        cell: { type: integer, minimum: 1 }
        voltage: { type: number, nullable: true }
        resistance: { type: number, nullable: true }
        temperature: { type: number, nullable: true }
        soc: { type: number, nullable: true }
        soh: { type: number, nullable: true }
        flags: { type: array, items: { type: string } }
    Limit:
      type: object
      required: [type, enabled, unit, onDelaySeconds, offDelaySeconds, sms, email, source]
      properties:
        type: { type: string }
        enabled: { type: boolean }
        limit: { type: number, nullable: true }
        hysteresis: { type: number, nullable: true }
        unit: { type: string }
        onDelaySeconds: { type: number }
        offDelaySeconds: { type: number }
        sms: { type: boolean }
        email: { type: boolean }
        source: { type: string, enum: [config, run-time] }
    Alarm:
      type: object
      required: [id, ups, string, type, title, status, from, unit]
      properties:
        id: { type: integer }
        ups: { type: string }
        string: { type: string }
        cell: { type: integer, nullable: true }
        type: { type: string }
        title: { type: string }
        status: { type: string, enum: [active, gone] }
        from: { type: string, format: date-time }
        to: { type: string, format: date-time, nullable: true }
        value: { type: number, nullable: true }
        limit: { type: number, nullable: true }
        unit: { type: string }
  responses:
    LoginRequired:
      description: No session (or it expired).
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    PasswordChangeRequired:
      description: The password must be changed first.
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    NotFound:
      description: No such string.
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
  parameters:
    StringId:
      name: id
      in: path
      required: true
      schema: { type: string }
paths:
  /live:
    get:
      summary: Every string's values now.
      responses:
        "200":
          description: The live model.
          content:
            application/json:
              schema:
                type: object
                required: [strings]
                properties:
                  strings: { type: array, items: { $ref: "#/components/schemas/StringSummary" } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
  /strings/{id}:
    get:
      summary: One string's values and all its cells.
      parameters: [ { $ref: "#/components/parameters/StringId" } ]
      responses:
        "200":
          description: The string.
          content:
            application/json:
              schema:
                type: object
                required: [summary, cells]
                properties:
                  summary: { $ref: "#/components/schemas/StringSummary" }
                  cells: { type: array, items: { $ref: "#/components/schemas/Cell" } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
        "404": { $ref: "#/components/responses/NotFound" }
  /strings/{id}/limits:
    get:
      summary: The string's alarm limits in force.
      parameters: [ { $ref: "#/components/parameters/StringId" } ]
      responses:
        "200":
          description: One entry per alarm type.
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Limit" } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
        "404": { $ref: "#/components/responses/NotFound" }
  /strings/{id}/history:
    get:
      summary: A string or cell quantity over a period, downsampled (min, mean, max per bucket).
      parameters:
        - { $ref: "#/components/parameters/StringId" }
        - name: quantity
          in: query
          description: "String: voltage, current, soc, temperature, humidity. Cell (with cell): voltage, resistance, temperature, soc, soh."
          schema: { type: string }
        - name: cell
          in: query
          description: Cell number from 1; empty or absent for the string.
          schema: { type: integer, minimum: 1 }
        - name: from
          in: query
          description: "now, a duration ago (24h, 7d), or an ISO 8601 date or time; default 24h."
          schema: { type: string }
        - name: to
          in: query
          description: Like from; default now.
          schema: { type: string }
        - name: points
          in: query
          schema: { type: integer, minimum: 1, maximum: 5000 }
      responses:
        "200":
          description: The series, oldest first; empty buckets are left out.
          content:
            application/json:
              schema:
                type: object
                required: [string, quantity, unit, from, to, points]
                properties:
                  string: { type: string }
                  quantity: { type: string }
                  unit: { type: string }
                  from: { type: string, format: date-time }
                  to: { type: string, format: date-time }
                  points:
                    type: array
                    items:
                      type: object
                      required: [time, min, mean, max, samples]
                      properties:
                        time: { type: string, format: date-time }
                        min: { type: number }
                        mean: { type: number }
                        max: { type: number }
                        samples: { type: integer }
        "400":
          description: Wrong parameters, each named.
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
        "404": { $ref: "#/components/responses/NotFound" }
  /alarms:
    get:
      summary: Alarms, newest first, 50 a page.
      parameters:
        - name: page
          in: query
          schema: { type: integer, minimum: 1, maximum: 1000000 }
        - name: active
          in: query
          description: "1 or true: active alarms only."
          schema: { type: string }
      responses:
        "200":
          description: One page.
          content:
            application/json:
              schema:
                type: object
                required: [total, page, perPage, alarms]
                properties:
                  total: { type: integer }
                  page: { type: integer }
                  perPage: { type: integer }
                  alarms: { type: array, items: { $ref: "#/components/schemas/Alarm" } }
        "400":
          description: A wrong parameter, named.
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
  /openapi.yaml:
    get:
      summary: This document.
      security: []
      responses:
        "200":
          description: OpenAPI 3.0 YAML.
          content:
            application/yaml:
              schema: { type: object }

"""#
}
