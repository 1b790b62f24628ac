// An app's use of the Kotlin client openapi-generator makes from openapi/app.json (gson):
// the generated API classes call a live server, as an Android app would.
//
// Usage: java -cp CLASSES:JARS MainKt BASE_URL STUB_URL RATE_LIMIT
// STUB_URL answers POST /v1/assessments with enum values this client does not know;
// RATE_LIMIT is the server's per-user assessment limit (X-Client-ID), so one more call is a 429.
// Prints one JSON document: what the typed models read, and a check that decoding lost
// nothing: every required property is there (gson would leave it null) and each model,
// encoded again, is the answer the server sent (a field the models do not know, or a value
// they cannot hold, shows up as a difference).
import com.google.gson.Gson
import com.google.gson.JsonElement
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.time.OffsetDateTime
import kotlin.reflect.full.memberProperties
import okhttp3.OkHttpClient
import tremor.client.apis.AssessmentsApi
import tremor.client.apis.ContentApi
import tremor.client.apis.OutcomesApi
import tremor.client.infrastructure.ClientError
import tremor.client.infrastructure.ClientException
import tremor.client.infrastructure.Serializer
import tremor.client.infrastructure.Success
import tremor.client.infrastructure.UnknownEnumFallback
import tremor.client.models.TgActivity
import tremor.client.models.TgActivityType
import tremor.client.models.TgAssessmentProblem
import tremor.client.models.TgAssessmentResponse
import tremor.client.models.TgAssociatedSymptom
import tremor.client.models.TgBatchRequest
import tremor.client.models.TgBatchResult
import tremor.client.models.TgEnvironment
import tremor.client.models.TgFeedbackAccepted
import tremor.client.models.TgFeedbackRequest
import tremor.client.models.TgHydration
import tremor.client.models.TgOutcome
import tremor.client.models.TgSymptomTiming
import tremor.client.models.TgSymptoms
import tremor.client.models.TgWorkoutContext

// The README's cycling workout, typed; with chest pain it is a red flag.
fun cycling(vararg associated: TgAssociatedSymptom) = TgWorkoutContext(
    activity = TgActivity(type = TgActivityType.cycling, durationMin = 180.0, intensityRpe = 6.0),
    environment = TgEnvironment(temperatureC = 34.0, humidityPct = 55.0),
    hydration = TgHydration(fluidIntakeMl = 300.0),
    symptoms = TgSymptoms(timing = TgSymptomTiming.during, associated = associated.toList())
)
val tooLong = TgWorkoutContext(activity = TgActivity(type = TgActivityType.cycling, durationMin = 5000.0))

// The last body the server sent, kept by an interceptor, to compare with what was decoded.
var lastBody = ""
val http: OkHttpClient = OkHttpClient.Builder().addInterceptor { chain ->
    chain.proceed(chain.request()).also { lastBody = it.peekBody(Long.MAX_VALUE).string() }
}.build()
val problems = mutableListOf<String>()

/** Paths of required (non-null in Kotlin) properties that gson left null. */
fun missing(value: Any?, where: String): List<String> = when (value) {
    null -> emptyList()
    is List<*> -> value.withIndex().flatMap { (i, item) -> missing(item, "$where[$i]") }
    is Map<*, *> -> value.flatMap { (key, item) -> missing(item, "$where.$key") }
    else -> if (value.javaClass.`package`?.name != "tremor.client.models" || value is Enum<*>) {
        emptyList()
    } else {
        value.javaClass.kotlin.memberProperties.flatMap { property ->
            val item = property.getter.call(value)
            if (item == null && !property.returnType.isMarkedNullable) listOf("$where.${property.name}")
            else missing(item, "$where.${property.name}")
        }
    }
}

fun withoutNulls(json: JsonElement): JsonElement = when {
    json.isJsonObject -> JsonObject().also { out ->
        for ((key, item) in json.asJsonObject.entrySet()) if (!item.isJsonNull) out.add(key, withoutNulls(item))
    }
    json.isJsonArray -> json.deepCopy().also { array ->
        val items = array.asJsonArray
        for (i in 0 until items.size()) items.set(i, withoutNulls(items[i]))
    }
    else -> json
}

fun sameInstant(a: JsonElement, b: JsonElement): Boolean = try {
    OffsetDateTime.parse(a.asString).isEqual(OffsetDateTime.parse(b.asString))
} catch (e: Exception) {
    false
}

/** Where `encoded` (the model written out again) differs from the answer. */
fun differences(answer: JsonElement, encoded: JsonElement, where: String): List<String> = when {
    answer.isJsonObject && encoded.isJsonObject -> {
        val a = answer.asJsonObject
        val b = encoded.asJsonObject
        (a.keySet() + b.keySet()).flatMap { key ->
            if (a.has(key) && b.has(key)) differences(a[key], b[key], "$where.$key")
            else listOf("$where.$key")
        }
    }
    answer.isJsonArray && encoded.isJsonArray && answer.asJsonArray.size() == encoded.asJsonArray.size() ->
        (0 until answer.asJsonArray.size()).flatMap { i ->
            differences(answer.asJsonArray[i], encoded.asJsonArray[i], "$where[$i]")
        }
    answer == encoded -> emptyList()
    answer.isJsonPrimitive && encoded.isJsonPrimitive && sameInstant(answer, encoded) -> emptyList()
    else -> listOf(where)
}

/** Records what decoding `model` from the last answer lost, under `name`; returns `model`. */
fun <T : Any> checked(name: String, model: T, body: String = lastBody): T {
    problems += missing(model, name).map { "$it: required but missing" }
    val encoded = withoutNulls(Serializer.gson.toJsonTree(model))
    problems += differences(withoutNulls(JsonParser.parseString(body)), encoded, name)
        .map { "$it: not what the server sent" }
    return model
}

fun summary(assessment: TgAssessmentResponse): Map<String, Any?> = mapOf(
    "content_version" to assessment.contentVersion,
    "triage" to assessment.triage.level.value,
    "causes" to assessment.causes.map { listOf(it.id, it.rank, it.score) },
    "evidence" to assessment.causes.map { cause ->
        cause.evidence.map { listOf(it.field, it.displayValue, it.value?.javaClass?.simpleName) }
    },
    "tips" to assessment.tips.map { it.id }
)

fun summary(result: TgBatchResult): Map<String, Any?> = when (result.kind) {
    TgBatchResult.Kind.assessment -> mapOf(
        "kind" to "assessment",
        "content_version" to result.contentVersion,
        "triage" to result.triage?.level?.value,
        "causes" to result.causes?.map { listOf(it.id, it.rank, it.score) },
        "tips" to result.tips?.map { it.id }
    )
    TgBatchResult.Kind.problem -> mapOf(
        "kind" to "problem", "status" to result.status, "locs" to result.errors?.map { it.loc }
    )
    else -> mapOf("kind" to result.kind.value)  // a kind added later: skip it, do not crash
}

fun main(args: Array<String>) {
    val (base, stub, rateLimit) = args
    // Before the first call: enum values added by a later server read as unknown_default_open_api.
    Serializer.gsonBuilder.registerTypeAdapterFactory(UnknownEnumFallback)
    val assessments = AssessmentsApi(base, http)
    val content = ContentApi(base, http)
    val seen = linkedMapOf<String, Any?>()

    val assessment = checked("assessment", assessments.createAssessment(cycling(), locale = "en"))
    seen["assessment"] = summary(assessment)
    seen["content_language"] = assessments.createAssessmentWithHttpInfo(
        cycling(), null, "en", null, null, null, null, null
    ).headers["content-language"]

    val urgent = checked("urgent", assessments.createAssessment(cycling(TgAssociatedSymptom.chest_pain)))
    seen["urgent"] = mapOf("triage" to urgent.triage.level.value, "reasons" to urgent.triage.reasons.map { it.code })

    // A 422 is a ClientException; its body is the problem, with the triage of any red flag.
    seen["problem"] = try {
        assessments.createAssessment(tooLong)
        error("a 5000-minute workout was accepted")
    } catch (e: ClientException) {
        val body = (e.response as ClientError<*>).body as String
        val problem = checked("problem", Serializer.gson.fromJson(body, TgAssessmentProblem::class.java), body)
        mapOf("http_status" to e.statusCode, "status" to problem.status, "locs" to problem.errors?.map { it.loc })
    }

    val batch = checked(
        "batch",
        assessments.createAssessmentBatch(TgBatchRequest(items = listOf(cycling(), tooLong)), locale = "en")
    )
    seen["batch"] = batch.results.map { summary(it) }
    seen["batch_content_version"] = batch.contentVersion

    val feedback = OutcomesApi(base, http).createAssessmentFeedbackWithHttpInfo(
        assessment.assessmentId,
        TgFeedbackRequest(outcome = TgOutcome.better, tipsFollowed = listOf(assessment.tips[0].id), helpful = true),
        "app-user-1"
    ) as Success<*>
    val accepted = checked("feedback", feedback.data as TgFeedbackAccepted)
    seen["feedback"] = mapOf("http_status" to feedback.statusCode, "outcome" to accepted.outcome.value)

    seen["causes"] = checked("causes", content.listCauses(locale = "en")).causes.map { it.id }
    seen["tips"] = checked("tips", content.listTips(locale = "en")).tips.map { it.id }
    seen["faqs"] = checked("faqs", content.listFaqs(locale = "en")).faqs.map { it.id }
    val versions = checked("versions", content.listContentVersions())
    seen["versions"] = versions.map { listOf(it.version, it.status.value, it.isCurrent, it.createdAt.year) }

    val current = versions.first { it.isCurrent }
    val detail = checked("version", content.getContentVersion(current.version))
    val values = detail.bundle.rules.flatMap { rules -> rules.signals.flatMap { it.`when` } }
        .mapNotNull { it.value?.javaClass?.simpleName }
    seen["version"] = mapOf(
        "version" to detail.version,
        "bundle_causes" to detail.bundle.causes.map { it.id },
        "condition_value_types" to values.toSortedSet().toList()
    )

    // A copy the client holds is answered 304, without a body, when it is still current. Read
    // it from the WithHttpInfo call's statusCode: OkHttp's isRedirect leaves 304 out, so the
    // generated client files it under ServerError (and the plain call would throw).
    val first = content.listCausesWithHttpInfo(null, "en", null, null) as Success<*>
    val etag = first.headers.getValue("etag").single()
    val again = content.listCausesWithHttpInfo(null, "en", null, etag)
    seen["not_modified"] = mapOf(
        "status" to again.statusCode,
        "etag_again" to (again.headers["etag"]?.single() == etag),
        "cache_control" to first.headers["cache-control"]?.single()
    )

    // One user (X-Client-ID) past their own limit: a 429 with Retry-After and RateLimit-*.
    val statuses = (0..rateLimit.toInt()).map {
        assessments.createAssessmentWithHttpInfo(cycling(), null, null, null, null, null, null, "burst-user")
    }
    val refused = statuses.last() as ClientError<*>
    val tooMany = Serializer.gson.fromJson(refused.body as String, TgAssessmentProblem::class.java)
    seen["rate_limited"] = mapOf(
        "statuses" to statuses.map { it.statusCode },
        "problem_status" to tooMany.status,
        "retry_after" to refused.headers["retry-after"]?.single()?.toInt(),
        "limit" to statuses.first().headers["ratelimit-limit"]?.single()
    )

    // A later server's answer, with enum values this client does not know.
    val later = AssessmentsApi(stub, http).createAssessment(cycling())
    seen["unknown_enums"] = mapOf(
        "triage" to later.triage.level.name,
        "confidence" to later.causes.map { it.confidence.name },
        "evidence_effect" to later.causes[0].evidence.map { it.effect.name }
    )

    seen["problems"] = problems
    println(Gson().toJson(seen))
}
