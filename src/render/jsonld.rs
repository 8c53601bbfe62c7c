//! schema.org JSON-LD for facilities (Hospital, MedicalClinic, Dentist, Pharmacy, …) and
//! lectures (Event), so search engines show hours and dates correctly. The JSON is escaped for
//! its place inside `<script>` ([`script_safe_json`]).

use serde_json::{Value, json};

use crate::content::pages::{Page, PageDetails, lecture_span};
use crate::content::resource::Resource;
use crate::content::site::SiteConfig;

fn schema_type(category: &str) -> &'static str {
    match category {
        "hospital" => "Hospital",
        "clinic" => "MedicalClinic",
        "dental" => "Dentist",
        "pharmacy" => "Pharmacy",
        "home-nursing" | "home-rehab" | "day-rehab" => "MedicalBusiness",
        _ => "LocalBusiness",
    }
}

fn schema_day(day: &str) -> Option<&'static str> {
    Some(match day {
        "mon" => "https://schema.org/Monday",
        "tue" => "https://schema.org/Tuesday",
        "wed" => "https://schema.org/Wednesday",
        "thu" => "https://schema.org/Thursday",
        "fri" => "https://schema.org/Friday",
        "sat" => "https://schema.org/Saturday",
        "sun" => "https://schema.org/Sunday",
        _ => return None,
    })
}

/// JSON text that stays valid JSON, and inert, inside any `<script>` element or `.js` file,
/// whatever the text in it: `<`, `>` and `&` (which could end the script or start a comment)
/// and U+2028/U+2029 (line ends to older JavaScript) are written as `\u` escapes. They can
/// only occur inside JSON strings, where the escape means the same character.
pub fn script_safe_json(value: &Value) -> String {
    let json = serde_json::to_string(value).expect("JSON values serialise");
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

pub fn facility(resource: &Resource, site: &SiteConfig) -> String {
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": schema_type(&resource.category.key),
        "name": resource.name,
        "url": format!("{}resources/{}/", site.base_url, resource.id),
        "address": {
            "@type": "PostalAddress",
            "addressCountry": "JP",
            "streetAddress": resource.address,
        },
    });
    if let Some(postal) = &resource.postal_code {
        value["address"]["postalCode"] = json!(postal);
    }
    if let Some(phone) = &resource.phone {
        value["telephone"] = json!(phone);
    }
    if let Some(fax) = &resource.fax {
        value["faxNumber"] = json!(fax);
    }
    if let Some(email) = &resource.email {
        value["email"] = json!(email);
    }
    if let Some(location) = resource.location {
        value["geo"] =
            json!({"@type": "GeoCoordinates", "latitude": location.lat, "longitude": location.lng});
    }
    if !resource.specialties.is_empty()
        && matches!(resource.category.key.as_str(), "hospital" | "clinic")
    {
        value["medicalSpecialty"] = json!(resource.specialties);
    }
    let hours: Vec<Value> = resource
        .hours
        .iter()
        .filter_map(|band| {
            let days: Vec<&str> = band.days.iter().filter_map(|d| schema_day(d)).collect();
            (!days.is_empty()).then(|| {
                json!({
                    "@type": "OpeningHoursSpecification",
                    "dayOfWeek": days,
                    "opens": band.open,
                    "closes": band.close,
                })
            })
        })
        .collect();
    if !hours.is_empty() {
        value["openingHoursSpecification"] = json!(hours);
    }
    script_safe_json(&value)
}

pub fn event(lecture: &Page, site: &SiteConfig) -> String {
    let PageDetails::Lecture {
        date,
        start,
        end,
        venue,
        address,
        fee,
        organizer,
        ..
    } = &lecture.details
    else {
        return String::new();
    };
    let Some((from, to)) = lecture_span(*date, start, end) else {
        return String::new();
    };
    let local =
        |time: jiff::civil::DateTime| format!("{}+09:00", time.strftime("%Y-%m-%dT%H:%M:%S"));
    let value = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": lecture.title,
        "startDate": local(from),
        "endDate": local(to),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": {"@type": "Place", "name": venue, "address": {"@type": "PostalAddress", "addressCountry": "JP", "streetAddress": address}},
        "organizer": {"@type": "Organization", "name": organizer},
        "url": format!("{}{}", site.base_url, lecture.path),
        "description": lecture.description.clone().unwrap_or_else(|| lecture.rendered.text.chars().take(200).collect()),
        "offers": {"@type": "Offer", "description": fee},
    });
    script_safe_json(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_end_its_script() {
        let text = "</script><script>alert(1)</script><!-- & \u{2028}\u{2029}";
        let out = script_safe_json(&json!({ "name": text }));
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["name"], text);
    }
}
