/// The OpenAPI document of /api/v1, served at /api/v1/openapi.yaml. The same text is kept in
/// docs/openapi.yaml (a test checks they are equal; scripts/openapi-swift.py writes this file).
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
    RemoteWrite:
      type: object
      required: [time, ups, string, client, role, detail]
      properties:
        time: { type: string, format: date-time }
        ups: { type: string }
        string: { type: string }
        client: { type: string, description: The client certificate's name (CN). }
        role: { type: string, description: The certificate's Modbus/TCP Security role. }
        detail: { type: string, description: "What was written, e.g. unit 2 (s2) register 100 = 20." }
    StringSummary:
      type: object
      required: [id, name, ups, quality, cells, status]
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
        status: { type: array, items: { type: string }, description: The string's status flags. }
        lastError: { type: string, nullable: true, description: The link's last failure. }
        warning: { type: string, nullable: true, description: "A problem that does not stop polling, e.g. a cell count mismatch." }
        remoteWrite: { type: string, nullable: true, description: "The last write to the controller through remote access since the start: time, client, what (docs/remote-access.md)." }
        sweepMillis: { type: number, nullable: true, description: The controller's last successful sweep, ms. }
    UPSSummary:
      type: object
      required: [id, name, strings, stringsOK, stringsCommLost, stringsDischarging, cells]
      properties:
        id: { type: string }
        name: { type: string }
        strings: { type: integer }
        stringsOK: { type: integer, description: Strings whose controller answers. }
        stringsCommLost: { type: integer }
        stringsDischarging: { type: integer }
        cells: { type: integer }
        cellVoltageMin: { type: number, nullable: true }
        cellVoltageMinAt: { type: string, nullable: true, description: "e.g. a1 cell 17" }
        cellVoltageMax: { type: number, nullable: true }
        cellVoltageMaxAt: { type: string, nullable: true }
        cellVoltageMean: { type: number, nullable: true }
        cellResistanceMax: { type: number, nullable: true }
        cellResistanceMaxAt: { type: string, nullable: true }
        cellTemperatureMax: { type: number, nullable: true }
        cellTemperatureMaxAt: { type: string, nullable: true }
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
    Discharge:
      type: object
      required: [id, ups, string, start, ampHours]
      properties:
        id: { type: integer }
        ups: { type: string }
        string: { type: string }
        start: { type: string, format: date-time }
        end: { type: string, format: date-time, nullable: true, description: null while the discharge goes on }
        durationSeconds: { type: number, nullable: true }
        ampHours: { type: number }
        minVoltage: { type: number, nullable: true }
        minCellVoltage: { type: number, nullable: true }
        minCell: { type: integer, nullable: true }
    CellLife:
      type: object
      required: [cell, status, days]
      properties:
        cell: { type: integer }
        status: { type: string, enum: [estimate, due, beyondHorizon, notEnoughHistory] }
        criterion: { type: string, enum: [resistance, stateOfHealth], description: Which trend gives the date (estimate, due). }
        date: { type: string, format: date-time, description: The estimated replacement date (estimate only). }
        earliest: { type: string, format: date-time }
        latest: { type: string, format: date-time, description: Absent when the trend is too flat to bound the interval. }
        resistanceRise: { type: number, description: "Resistance now over its baseline, %." }
        stateOfHealth: { type: number, description: "SoH now, %." }
        days: { type: integer, description: Days of history in the trend. }
    DischargeReport:
      type: object
      description: A discharge's capacity-test report (docs/analytics.md). Values in V, A, Ah, s and °C; absent when unknown.
      required: [event, rating, capacity, cellsAtEndVoltage, cells, spread]
      properties:
        event:
          type: object
          required: [id, ups, string, start, durationSeconds, ampHours, samples]
          properties:
            id: { type: integer }
            ups: { type: string }
            string: { type: string }
            start: { type: string, format: date-time }
            end: { type: string, format: date-time, nullable: true, description: null while the discharge goes on }
            durationSeconds: { type: number }
            ampHours: { type: number }
            meanCurrent: { type: number, nullable: true, description: Time-weighted mean discharge current. }
            minCurrent: { type: number, nullable: true }
            maxCurrent: { type: number, nullable: true }
            startTemperature: { type: number, nullable: true, description: Mean cell temperature at the start (the string's sensor without cell sensors). }
            startSoC: { type: number, nullable: true }
            endSoC: { type: number, nullable: true }
            samples: { type: integer }
        rating:
          type: object
          required: [capacityAh, ratedHours, endCellVoltage, peukertExponent, capacityReplacePercent, defaulted]
          properties:
            capacityAh: { type: number }
            ratedHours: { type: number }
            endCellVoltage: { type: number }
            peukertExponent: { type: number }
            capacityReplacePercent: { type: number }
            defaulted: { type: array, items: { type: string }, description: Battery keys not configured (their documented default was used). }
        capacity:
          type: object
          required: [method, endVoltage, basis]
          properties:
            method: { type: string, enum: [timeAdjusted, ampHourEstimate, none] }
            percent: { type: number, description: "IEEE 450: t_a / (t_s · K_T) × 100, or the estimate" }
            timeToEndSeconds: { type: number, description: t_a }
            ratedSeconds: { type: number, description: t_s at the event's mean current }
            temperatureFactor: { type: number, description: K_T at the start temperature }
            endVoltage: { type: number, description: The string's end voltage (cells × end voltage per cell). }
            basis: { type: string, description: How the number was found, or why there is none. }
            replace: { type: boolean, description: Below the replacement threshold. }
            constantCurrent: { type: boolean }
        cellsAtEndVoltage: { type: array, items: { type: integer }, description: Cells that reached the end voltage, earliest first. }
        cells:
          type: array
          description: Every cell, weakest first.
          items:
            type: object
            required: [cell]
            properties:
              cell: { type: integer }
              endVoltageAfterSeconds: { type: number }
              minVoltage: { type: number }
              floatVoltage: { type: number }
              dropFromFloat: { type: number }
              rankFirstToEnd: { type: integer }
              rankLowestVoltage: { type: integer }
              rankLargestDrop: { type: integer }
        spread:
          type: array
          items:
            type: object
            required: [secondsFromStart, minCell, meanCell, maxCell, spread]
            properties:
              secondsFromStart: { type: number }
              minCell: { type: number }
              meanCell: { type: number }
              maxCell: { type: number }
              spread: { type: number }
              stringVoltage: { type: number }
              current: { type: number }
        previous:
          type: object
          description: The same string's discharge before this one.
          required: [id, start, durationSeconds, ampHours, capacityMethod]
          properties:
            id: { type: integer }
            start: { type: string, format: date-time }
            durationSeconds: { type: number }
            ampHours: { type: number }
            meanCurrent: { type: number, nullable: true }
            capacityPercent: { type: number, nullable: true }
            capacityMethod: { type: string, enum: [timeAdjusted, ampHourEstimate, none] }
            minCellVoltage: { type: number, nullable: true }
            weakestCell: { type: integer, nullable: true }
    Delivery:
      type: object
      required: [time, channel, contact, status, attempt, subject]
      properties:
        time: { type: string, format: date-time }
        channel: { type: string, enum: [email, sms] }
        contact: { type: string, description: "The address or number (personal data; 'erased' after the user was deleted)." }
        status: { type: string, enum: [sent, failed, gave-up] }
        error: { type: string, nullable: true }
        attempt: { type: integer }
        subject: { type: string }
    SettingsSaved:
      type: object
      required: [saved, restartNeeded, problems]
      properties:
        saved: { type: boolean }
        restartNeeded: { type: array, items: { type: string }, description: Settings saved but used only after a restart. }
        system: { type: string, nullable: true, description: "Network and time: the files written and what the apply command said." }
        problems:
          type: array
          items:
            type: object
            required: [field, message]
            properties:
              field: { type: string, description: "The field's path in its section (e.g. users[0].authPassphrase); empty for the whole form." }
              message: { type: string }
  responses:
    AdministratorsOnly:
      description: The session's user is not an administrator.
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
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
      summary: Every UPS's and string's values now.
      responses:
        "200":
          description: The live model.
          content:
            application/json:
              schema:
                type: object
                required: [ups, strings]
                properties:
                  ups: { type: array, items: { $ref: "#/components/schemas/UPSSummary" } }
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
  /strings/{id}/life:
    get:
      summary: Each cell's remaining-life estimate (docs/analytics.md); empty until the first estimate after the start.
      parameters:
        - name: id
          in: path
          required: true
          schema: { type: string }
      responses:
        "200":
          description: The string's cells.
          content:
            application/json:
              schema:
                type: object
                required: [string, cells]
                properties:
                  string: { type: string }
                  computedAt: { type: string, format: date-time, nullable: true }
                  cells: { type: array, items: { $ref: "#/components/schemas/CellLife" } }
        "404":
          description: No such string.
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
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
  /discharges:
    get:
      summary: Discharge events, newest first.
      responses:
        "200":
          description: Every recorded discharge.
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Discharge" } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
  /discharges/{id}/report:
    get:
      summary: A discharge's capacity-test report (IEEE 450 time-adjusted), its weakest cells and the previous discharge.
      parameters:
        - name: id
          in: path
          required: true
          schema: { type: integer }
      responses:
        "200":
          description: The report.
          content: { application/json: { schema: { $ref: "#/components/schemas/DischargeReport" } } }
        "404":
          description: No such event.
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
  /notifications:
    get:
      summary: The e-mail and SMS delivery log, newest first (last 200).
      parameters:
        - name: channel
          in: query
          schema: { type: string, enum: [email, sms] }
      responses:
        "200":
          description: Deliveries.
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Delivery" } }
        "400":
          description: A wrong channel, named.
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
  /remote-writes:
    get:
      summary: Controller registers written through remote access (Modbus/TCP Security), newest first (last 200).
      responses:
        "200":
          description: Successful remote writes; refused ones are in the audit log.
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/RemoteWrite" } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
  /exports:
    get:
      summary: Data export files and the exports still running (start one at /settings/exports).
      responses:
        "200":
          description: Files newest first; running jobs with their progress from 0 to 1.
          content:
            application/json:
              schema:
                type: object
                required: [files, running]
                properties:
                  files:
                    type: array
                    items:
                      type: object
                      required: [name, bytes, modified, url]
                      properties:
                        name: { type: string }
                        bytes: { type: integer }
                        modified: { type: string, format: date-time }
                        url: { type: string, description: Download address (a session is needed). }
                  running:
                    type: array
                    items:
                      type: object
                      required: [name, progress]
                      properties:
                        name: { type: string }
                        progress: { type: number, minimum: 0, maximum: 1 }
                        failed: { type: string, nullable: true }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/PasswordChangeRequired" }
  /users:
    get:
      summary: The web UI's users (administrators only; no password hashes).
      responses:
        "200":
          description: Every user.
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  required: [id, username, fullName, administrator, alarmEmails, alarmSMS, mustChangePassword, created, updated]
                  properties:
                    id: { type: integer }
                    username: { type: string }
                    fullName: { type: string }
                    administrator: { type: boolean }
                    phone: { type: string, nullable: true }
                    email: { type: string, nullable: true }
                    alarmEmails: { type: boolean }
                    alarmSMS: { type: boolean }
                    mustChangePassword: { type: boolean }
                    created: { type: string, format: date-time }
                    updated: { type: string, format: date-time }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/AdministratorsOnly" }
  /settings/{page}:
    parameters:
      - name: page
        in: path
        required: true
        schema: { type: string, enum: [network, time, email, sms, snmp, mqtt, project] }
    get:
      summary: A settings page's values (administrators only); secrets show as "(set)".
      responses:
        "200":
          description: The section in force, as field path → value (the keys of docs/configuration.md).
          content:
            application/json:
              schema:
                type: object
                required: [page, section, values]
                properties:
                  page: { type: string }
                  section: { type: string }
                  values: { type: object, additionalProperties: { type: string } }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/AdministratorsOnly" }
        "404":
          description: No such settings page.
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    post:
      summary: Changes fields of a settings page (administrators only), checked like the configuration file and applied without a restart.
      description: |
        The body maps the page's field paths to new values; fields not given keep their values.
        Lists of single values (sources, trapDestinations, dns) are comma-separated text; table rows
        are `users[0].name` and so on. Nothing is saved when any field is wrong.
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, additionalProperties: { oneOf: [ { type: string }, { type: number }, { type: boolean } ] } }
      responses:
        "200":
          description: Saved and applied.
          content: { application/json: { schema: { $ref: "#/components/schemas/SettingsSaved" } } }
        "400":
          description: Nothing saved; each problem names its field.
          content:
            application/json:
              schema: { oneOf: [ { $ref: "#/components/schemas/SettingsSaved" }, { $ref: "#/components/schemas/Error" } ] }
        "401": { $ref: "#/components/responses/LoginRequired" }
        "403": { $ref: "#/components/responses/AdministratorsOnly" }
        "404":
          description: No such settings page.
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
        "415":
          description: The body is not JSON.
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
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
