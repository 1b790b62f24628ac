// Decodes live answers of tremor-guide with the models that openapi-generator's `kotlin`
// generator (gson) makes from openapi/openapi.json, as an Android app would.
//
// Usage: kotlin -cp CLASSES:gson.jar MainKt BASE_URL
// Prints one JSON document: per answer what the typed models read, and a check that the
// decoding lost nothing: every required property is there (gson would leave it null) and
// the model, encoded again, is the answer itself (a field the models do not know, or a value
// they cannot hold, shows up as a difference).
import com.google.gson.Gson
import com.google.gson.GsonBuilder
import com.google.gson.JsonDeserializer
import com.google.gson.JsonElement
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive
import com.google.gson.JsonSerializer
import com.google.gson.reflect.TypeToken
import java.lang.reflect.Type
import java.net.HttpURLConnection
import java.net.URL
import java.time.OffsetDateTime
import kotlin.reflect.full.memberProperties
import tremor.client.models.AssessmentProblem
import tremor.client.models.AssessmentResponse
import tremor.client.models.BatchResponse
import tremor.client.models.CauseList
import tremor.client.models.FaqList
import tremor.client.models.ItemProblem
import tremor.client.models.TipList
import tremor.client.models.VersionSummary

// The README's cycling workout.
const val CYCLING = """{"activity": {"type": "cycling", "duration_min": 180, "intensity_rpe": 6},
  "environment": {"temperature_c": 34, "humidity_pct": 55},
  "hydration": {"fluid_intake_ml": 300}, "symptoms": {"timing": "during"}}"""
const val TOO_LONG = """{"activity": {"type": "cycling", "duration_min": 5000}}"""

// What the generated okhttp infrastructure registers for dates: ISO-8601 strings.
val gson: Gson = GsonBuilder()
    .registerTypeAdapter(OffsetDateTime::class.java,
        JsonDeserializer { json, _, _ -> OffsetDateTime.parse(json.asString) })
    .registerTypeAdapter(OffsetDateTime::class.java,
        JsonSerializer<OffsetDateTime> { date, _, _ -> JsonPrimitive(date.toString()) })
    .create()

class Answer(val status: Int, val body: String)

fun call(method: String, url: String, body: String? = null): Answer {
    val connection = URL(url).openConnection() as HttpURLConnection
    connection.requestMethod = method
    connection.setRequestProperty("Accept", "application/json")
    if (body != null) {
        connection.doOutput = true
        connection.setRequestProperty("Content-Type", "application/json")
        connection.outputStream.use { it.write(body.toByteArray()) }
    }
    val status = connection.responseCode
    val stream = if (status < 400) connection.inputStream else connection.errorStream
    return Answer(status, stream.bufferedReader().use { it.readText() })
}

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

val problems = mutableListOf<String>()

/** Decodes `json` as `type` and records what the decoding lost, under `name`. */
fun <T : Any> decode(name: String, json: JsonElement, type: Type): T {
    val model: T = gson.fromJson(json, type)
    problems += missing(model, name).map { "$it: required but missing" }
    val encoded = withoutNulls(gson.toJsonTree(model))
    problems += differences(withoutNulls(json), encoded, name).map { "$it: not what the server sent" }
    return model
}

inline fun <reified T : Any> decode(name: String, body: String): T =
    decode(name, JsonParser.parseString(body), object : TypeToken<T>() {}.type)

fun summary(assessment: AssessmentResponse): Map<String, Any?> = mapOf(
    "content_version" to assessment.contentVersion,
    "triage" to assessment.triage.level.value,
    "causes" to assessment.causes.map { listOf(it.id, it.rank, it.score.toDouble()) },
    "evidence" to assessment.causes.map { cause ->
        cause.evidence.map { listOf(it.field, it.displayValue, it.value?.javaClass?.simpleName) }
    },
    "tips" to assessment.tips.map { it.id }
)

fun main(args: Array<String>) {
    val base = args[0]
    val seen = linkedMapOf<String, Any?>()

    val assessed = call("POST", "$base/v1/assessments?locale=en", CYCLING)
    check(assessed.status == 200) { assessed.body }
    seen["assessment"] = summary(decode<AssessmentResponse>("assessment", assessed.body))

    val refused = call("POST", "$base/v1/assessments", TOO_LONG)
    val problem = decode<AssessmentProblem>("problem", refused.body)
    seen["problem"] = mapOf(
        "http_status" to refused.status,
        "status" to problem.status,
        "locs" to problem.errors?.map { it.loc }
    )

    val batch = call("POST", "$base/v1/assessments:batch?locale=en", """{"items": [$CYCLING, $TOO_LONG]}""")
    check(batch.status == 200) { batch.body }
    val tree = JsonParser.parseString(batch.body).asJsonObject
    // gson has no polymorphism of its own: the `kind` discriminator picks the model.
    seen["batch"] = tree["results"].asJsonArray.mapIndexed { i, result ->
        val name = "batch.results[$i]"
        when (val kind = result.asJsonObject["kind"]?.asString) {
            "assessment" -> mapOf("kind" to kind) +
                summary(decode<AssessmentResponse>(name, result, AssessmentResponse::class.java))
            "problem" -> decode<ItemProblem>(name, result, ItemProblem::class.java).let {
                mapOf("kind" to kind, "status" to it.status, "locs" to it.errors.map { e -> e.loc })
            }
            else -> error("$name: unknown kind $kind")
        }
    }
    val batchModel = decode<BatchResponse>("batch", JsonObject().also { envelope ->
        tree.entrySet().filter { it.key != "results" }.forEach { envelope.add(it.key, it.value) }
        envelope.add("results", com.google.gson.JsonArray())
    }, BatchResponse::class.java)
    seen["batch_content_version"] = batchModel.contentVersion

    val causes = decode<CauseList>("causes", call("GET", "$base/v1/causes?locale=en").body)
    seen["causes"] = causes.causes.map { it.id }
    val tips = decode<TipList>("tips", call("GET", "$base/v1/tips?locale=en").body)
    seen["tips"] = tips.tips.map { it.id }
    val faqs = decode<FaqList>("faqs", call("GET", "$base/v1/faqs?locale=en").body)
    seen["faqs"] = faqs.faqs.map { it.id }
    val versions = decode<List<VersionSummary>>("versions", call("GET", "$base/v1/content/versions").body)
    seen["versions"] = versions.map { listOf(it.version, it.status.value, it.isCurrent, it.createdAt.year) }

    seen["problems"] = problems
    println(Gson().toJson(seen))
}
